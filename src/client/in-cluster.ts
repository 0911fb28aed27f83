// A pod's connection to the API, as client-go's rest.InClusterConfig builds it:
// https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the projected
// ServiceAccount token (re-read, as it is renewed) and ca.crt.
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from './client.js';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster connection of a pod's program; throws, as client-go does, when the pod has no token. */
export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = serviceAccountDir): Connection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const tokenFile = path.join(dir, 'token');
  if (!fs.existsSync(tokenFile)) throw new Error(`open ${tokenFile}: no such file or directory`);
  return { server: `https://${hostPort}`, tls: { ca: fs.readFileSync(path.join(dir, 'ca.crt')) }, tokenFile };
}
