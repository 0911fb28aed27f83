// A pod's connection to the API, as client-go's rest.InClusterConfig builds it:
// https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the projected
// ServiceAccount token (re-read, as it is renewed) and ca.crt.
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from './client.js';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InCluster {
  connection: Connection;
  /** Set when there is no token: the plain-HTTP, anonymous fallback was chosen. */
  warning?: string;
}

/** The in-cluster connection of a pod's program, saying so when it falls back to anonymous plain HTTP. */
export function inClusterApi(program: string): Connection {
  const c = inClusterConnection();
  if (c.warning) console.log(`${program}: ${c.warning}`);
  return c.connection;
}

export function inClusterConnection(env: NodeJS.ProcessEnv = process.env, dir = serviceAccountDir): InCluster {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined');
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const tokenFile = path.join(dir, 'token');
  if (fs.existsSync(tokenFile)) return { connection: { server: `https://${hostPort}`, tls: { ca: fs.readFileSync(path.join(dir, 'ca.crt')) }, tokenFile } };
  // The transition (netns pods before the pod sandbox mounts tokens): anonymous plain HTTP,
  // which the lab's router relays only while components.ts's plainHttpPodRelay is on.
  return { connection: { server: `http://${hostPort}` }, warning: `no ServiceAccount token at ${tokenFile}: talking plain HTTP to ${hostPort}, anonymously` };
}
