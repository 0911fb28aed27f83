// The node agent: runs inside its node's network namespace. Today it is the
// kubelet's node-status part and the node's pod routing; pods and the proxy
// backends plug in beside them.
import { parseArgs } from 'node:util';
import { types } from '../api/resources.js';
import type { Node } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { keepNodeAlive, registerNode } from './kubelet/node-status.js';
import { startPodRoutes } from './network/pod-routes.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    node: { type: 'string' },
    'node-ip': { type: 'string' },
    'pod-cidr': { type: 'string' },
    'proxy-mode': { type: 'string', default: 'iptables' },
  },
});

for (const required of ['server', 'node', 'node-ip', 'pod-cidr'] as const) {
  if (!values[required]) {
    console.error(`agent: --${required} is required`);
    process.exit(2);
  }
}

const id = { name: values.node!, ip: values['node-ip']!, podCIDR: values['pod-cidr']!, proxyMode: values['proxy-mode']! };
const client = new ApiClient({ server: values.server!, userAgent: `svclab-agent/${id.name}` });

// The API server may still be starting (or restarting): retry registration.
for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
  try {
    await registerNode(client, id);
    break;
  } catch (e) {
    console.error(`agent: registering node ${id.name}: ${(e as Error).message}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

const nodes = new Informer<Node>(client, types.nodes).start();
keepNodeAlive(client, id, nodes);
startPodRoutes(nodes, id.name);
console.log(`agent: node ${id.name} (${id.ip}, pods ${id.podCIDR}) registered`);

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
