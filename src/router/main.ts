// The router's own process (the lab's "cloud"): relays pod traffic for
// kubernetes.default to the API server, runs the LoadBalancer controller, and (labs other
// machines join) carries the API server's connections to kubelets (egress.ts).
import { parseArgs } from 'node:util';
import { types } from '../api/resources.js';
import type { EndpointSlice, Node, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import { startPodRoutes } from '../agent/network/pod-routes.js';
import { startApiRelay } from './api-relay.js';
import { startEgressProxy } from './egress.js';
import { LbPool } from './lb-pool.js';
import { startLoadBalancer } from './loadbalancer.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    'api-listen': { type: 'string' },
    'lb-pool': { type: 'string', default: 'none' },
    'outside-dev': { type: 'string', default: 'eth1' },
    'token-file': { type: 'string' },
    /** The API server's TLS unix socket: pods' HTTPS connections are relayed to it unchanged (several: replicas, tried in order). */
    'api-tls-socket': { type: 'string', multiple: true },
    /** More API servers to fail over to, in order, after --server. */
    'fallback-server': { type: 'string', multiple: true },
    /** Keep a route to every node's pod CIDR from the Nodes (labs other machines join; otherwise the topology's routes suffice). */
    'pod-routes': { type: 'boolean', default: false },
    /** A unix socket (root-only) where the API server CONNECTs to kubelets on the node network (the egress selector's cluster egress). */
    'egress-socket': { type: 'string' },
  },
});
if (!values.server?.startsWith('unix:') || !values['api-listen'] || !values['api-tls-socket']?.length) {
  console.error('router: --server unix:PATH, --api-tls-socket PATH and --api-listen HOST:PORT are required');
  process.exit(2);
}
const [host, port] = values['api-listen'].split(':');
startApiRelay({ host: host!, port: Number(port) }, values['api-tls-socket']);

const client = new ApiClient({ server: values.server, fallbacks: values['fallback-server'], tokenFile: values['token-file'], userAgent: 'svclab-router' });
const inf = {
  services: new Informer<Service>(client, types.services).start(),
  nodes: new Informer<Node>(client, types.nodes).start(),
  slices: new Informer<EndpointSlice>(client, types.endpointslices).start(),
};
await Promise.all(Object.values(inf).map((i) => i.synced));
if (values['pod-routes']) startPodRoutes(inf.nodes, '');
if (values['egress-socket']) {
  const nodeIPs = () => new Set(inf.nodes.list().flatMap((n) => (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)));
  startEgressProxy(values['egress-socket'], nodeIPs);
}
const pool = values['lb-pool'] === 'none' ? undefined : new LbPool(values['lb-pool']!);
await startLoadBalancer(client, inf, { pool, outsideDev: values['outside-dev']!, events: new EventRecorder(client, 'service-controller') });
console.log(`router: API relay on ${values['api-listen']}; LoadBalancer pool ${values['lb-pool']}`);

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
