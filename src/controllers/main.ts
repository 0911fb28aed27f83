// The controller-manager process: every cluster-level controller, fed by shared informers.
import { parseArgs } from 'node:util';
import { types } from '../api/resources.js';
import type { Lease, Node } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { startNodeLifecycle } from './node-lifecycle.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    'node-grace-period': { type: 'string', default: '10' },
  },
});
if (!values.server) {
  console.error('controller-manager: --server is required');
  process.exit(2);
}

const client = new ApiClient({ server: values.server, userAgent: 'svclab-controller-manager' });
const nodes = new Informer<Node>(client, types.nodes).start();
const leases = new Informer<Lease>(client, types.leases, { namespace: 'kube-node-lease' }).start();
await Promise.all([nodes.synced, leases.synced]);
startNodeLifecycle(client, nodes, leases, { gracePeriodMs: Number(values['node-grace-period']) * 1000 });
console.log('controller-manager: running node-lifecycle');

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
