// The ingress controller process: runs in the pods of ingress-nginx/ingress-nginx-controller
// beside the real nginx it starts. List+watch of Ingresses, IngressClasses, Services,
// EndpointSlices, Secrets, Namespaces (route attachment by selector) and the Gateway API
// kinds; every change renders the whole configuration, which replaces the running one
// (after `nginx -t`) only when it differs.
import { parseArgs } from 'node:util';
import type { Service } from '../api/types.js';
import { ApiClient, type Connection } from '../client/client.js';
import { inClusterConnection } from '../client/in-cluster.js';
import { Informer } from '../client/informer.js';
import { watchedTypes, type Cluster } from './model.js';
import { NginxProcess, portsFree } from './nginx.js';
import { Reconciler } from './reconciler.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    /** The API from inside a pod: rest.InClusterConfig's address, token and CA. */
    'in-cluster': { type: 'boolean', default: false },
    'ingress-class': { type: 'string', default: 'nginx' },
    'publish-service': { type: 'string', default: 'ingress-nginx/ingress-nginx-controller' },
    'work-dir': { type: 'string' },
    'http-port': { type: 'string', default: '80' },
    'https-port': { type: 'string', default: '443' },
    'health-port': { type: 'string', default: '10254' },
    workers: { type: 'string', default: '1' },
  },
});
function usage(message: string): never {
  console.error(`ingress-controller: ${message}`);
  process.exit(2);
}
if (!values.server === !values['in-cluster']) usage('one of --server or --in-cluster is required');
const whole = (flag: 'http-port' | 'https-port' | 'health-port' | 'workers', max: number): number => {
  const n = Number(values[flag]);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : usage(`--${flag} must be a whole number from 1 to ${max} (got "${values[flag]}")`);
};
const render = { httpPort: whole('http-port', 65535), httpsPort: whole('https-port', 65535), healthPort: whole('health-port', 65535), workers: whole('workers', 64) };
if (!/^[^/]+\/[^/]+$/.test(values['publish-service'])) usage(`--publish-service must be NAMESPACE/NAME (got "${values['publish-service']}")`);

const inCluster = (): Connection => {
  try {
    return inClusterConnection();
  } catch (e) {
    console.error(`ingress-controller: ${(e as Error).message}`);
    process.exit(1);
  }
};
const api = values.server ? { server: values.server } : inCluster();
const client = new ApiClient({ ...api, userAgent: 'svclab-ingress-nginx', timeoutMs: 10_000 });
const watched = watchedTypes;
const informers = Object.fromEntries(Object.entries(watched).map(([k, t]) => [k, new Informer(client, t)])) as Record<keyof Cluster, Informer>;

const snapshot = (): Cluster => Object.fromEntries(Object.entries(informers).map(([k, i]) => [k, i.list()])) as unknown as Cluster;
const [publishNs, publishName] = values['publish-service'].split('/') as [string, string];
const publishAddress = (): string | undefined => {
  const svc = informers.services.get(`${publishNs}/${publishName}`) as Service | undefined;
  return svc?.status?.loadBalancer?.ingress?.[0]?.ip;
};

const nginx = new NginxProcess(values['work-dir']);
nginx.killStale();
// A killed container's nginx may hold its ports a moment longer (killStale cannot reach one that is already exiting): wait for them.
await portsFree([render.httpPort, render.httpsPort], 10_000);
const reconciler = new Reconciler({
  client,
  nginx,
  className: values['ingress-class'],
  snapshot,
  publishAddress,
  render,
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  for (const i of Object.values(informers)) i.stop();
  void nginx.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
nginx.onExit = (code) => {
  if (stopping) return;
  console.error(`ingress-controller: nginx exited (${code}); exiting so the kubelet restarts the container`);
  process.exit(1);
};

for (const i of Object.values(informers)) i.on({ add: () => reconciler.trigger(), update: () => reconciler.trigger(), delete: () => reconciler.trigger() }).start();
await Promise.all(Object.values(informers).map((i) => i.synced));
console.log(`ingress-controller: synced (class ${values['ingress-class']}, publish service ${values['publish-service']})`);
reconciler.trigger();
