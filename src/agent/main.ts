// The node agent: runs inside its node's network namespace. Today it is the
// kubelet's node-status part and the node's pod routing; pods and the proxy
// backends plug in beside them.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Host } from '../api/hosts.js';
import { apiVersionOf, types } from '../api/resources.js';
import type { Node, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { EventRecorder } from '../client/events.js';
import { sleep } from '../util/poll.js';
import { createPodRuntime } from './kubelet/cri/index.js';
import { Kubelet } from './kubelet/kubelet.js';
import { keepNodeAlive, registerNode, type NodeIdentity } from './kubelet/node-status.js';
import { startKubeletServer } from './kubelet/server.js';
import { startKubeletTlsServer } from './kubelet/tls-server.js';
import { kubeletPort } from '../net/ports.js';
import { startPodRoutes } from './network/pod-routes.js';
import { cleanupOtherModes, createBackend } from './proxy/backends.js';
import { defaultProxyMode, isProxyMode, proxyModes } from './proxy/modes.js';
import { Proxier } from './proxy/proxier.js';
import { kubeletSocket } from '../lab/state.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    node: { type: 'string' },
    'node-ip': { type: 'string' },
    'pod-cidr': { type: 'string' },
    'proxy-mode': { type: 'string', default: defaultProxyMode },
    'ipvs-scheduler': { type: 'string', default: 'rr' },
    lab: { type: 'string' },
    runtime: { type: 'string', default: 'netns' },
    'state-dir': { type: 'string' },
    'cluster-dns': { type: 'string', default: '10.96.0.10' },
    'cluster-domain': { type: 'string', default: 'cluster.local' },
    'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
    mtu: { type: 'string' },
    /** This node's bearer token (system:node:<node>), in a root-only file. */
    'token-file': { type: 'string' },
    /** The lab CA, to verify the API server when --server is https:// (nodes of hosts 2..N). */
    'ca-file': { type: 'string' },
    /** More API servers to fail over to, in order, after --server (other replicas, or the relay to them). */
    'fallback-server': { type: 'string', multiple: true },
    /** A client certificate and key instead of a token (nodes of a joined host: issued through the CSR flow). */
    'cert-file': { type: 'string' },
    'key-file': { type: 'string' },
    /** The Host (hosts.svclab.io) this node belongs to: its Node gets an ownerReference to it. */
    host: { type: 'string' },
    /** kubelet's serverTLSBootstrap: a serving certificate through a kubelet-serving CSR, the kubelet API over TLS on <node-ip>:10250. */
    'server-tls-bootstrap': { type: 'boolean', default: false },
    /** kubelet's --cert-dir: where the serving certificate and key are kept. */
    'cert-dir': { type: 'string' },
  },
});

for (const required of ['server', 'node', 'node-ip', 'pod-cidr', 'lab', 'state-dir'] as const) {
  if (!values[required]) {
    console.error(`agent: --${required} is required`);
    process.exit(2);
  }
}

if (values['server-tls-bootstrap'] && !(values['ca-file'] && values['cert-dir'])) {
  console.error('agent: --server-tls-bootstrap needs --ca-file and --cert-dir');
  process.exit(2);
}

const proxyMode = values['proxy-mode']!;
if (!isProxyMode(proxyMode)) throw new Error(`agent: unknown proxy mode ${proxyMode} (known: ${proxyModes.join(', ')})`);
const id: NodeIdentity & { proxyMode: typeof proxyMode } = { name: values.node!, ip: values['node-ip']!, podCIDR: values['pod-cidr']!, proxyMode, ...(values['server-tls-bootstrap'] ? { kubeletPort } : {}) };
const read = (f: string | undefined) => (f ? fs.readFileSync(f) : undefined);
const tls = values['ca-file'] ? { ca: read(values['ca-file'])!, cert: read(values['cert-file']), key: read(values['key-file']) } : undefined;
const client = new ApiClient({ server: values.server!, fallbacks: values['fallback-server'], tokenFile: values['token-file'], tls, userAgent: `svclab-agent/${id.name}` });

// The API server may still be starting (or restarting), or across an overlay not up yet: retry registration.
for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
  try {
    if (values.host && !id.owner) {
      const host = await client.get<Host>(types.hosts, values.host);
      id.owner = { apiVersion: apiVersionOf(types.hosts), kind: 'Host', name: values.host, uid: host.metadata.uid! };
    }
    await registerNode(client, id);
    break;
  } catch (e) {
    console.error(`agent: registering node ${id.name}: ${(e as Error).message}`);
    await sleep(delay);
  }
}

const nodes = new Informer<Node>(client, types.nodes).start();
keepNodeAlive(client, id, nodes);
startPodRoutes(nodes, id.name);

const stateDir = values['state-dir']!;
// Shared by the kubelet (service environment variables) and the proxy.
const services = new Informer<Service>(client, types.services).start();
await services.synced;
const kubelet = new Kubelet({
  client,
  nodeName: id.name,
  nodeIP: id.ip,
  runtime: await createPodRuntime(values.runtime!, { lab: values.lab!, nodeName: id.name, podCIDR: id.podCIDR, stateDir, ...(values.mtu ? { mtu: Number(values.mtu) } : {}) }),
  dns: { clusterDNS: values['cluster-dns']!, clusterDomain: values['cluster-domain']! },
  events: new EventRecorder(client, 'kubelet', id.name),
  services,
});
await kubelet.start();

await cleanupOtherModes(id.proxyMode);
const proxier = new Proxier({
  client,
  node: { name: id.name, ips: [id.ip], podCIDR: id.podCIDR, clusterCIDR: values['cluster-cidr']! },
  backend: createBackend(id.proxyMode, { ipvsScheduler: values['ipvs-scheduler'] }),
  services,
});
await proxier.start();
startKubeletServer(kubelet, kubeletSocket(stateDir, id.name), proxier);
if (values['server-tls-bootstrap']) {
  void startKubeletTlsServer(client, kubelet, proxier, { node: id.name, ip: id.ip, certDir: values['cert-dir']!, ca: tls!.ca });
}
console.log(`agent: node ${id.name} (${id.ip}, pods ${id.podCIDR}) registered; kubelet running ${kubelet.workers.size} pods; proxy mode ${id.proxyMode}`);

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
