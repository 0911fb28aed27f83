// The controller-manager process: every cluster-level controller, fed by shared informers.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { types } from '../api/resources.js';
import type { ClusterRole, ConfigMap, Deployment, Endpoints, EndpointSlice, Lease, Namespace, Node, Pod, ReplicaSet, Service, ServiceAccount } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { LeaderElector } from './leader-election.js';
import { startClusterRoleAggregation } from './clusterrole-aggregation.js';
import { startDeploymentController } from './deployment/index.js';
import { startEndpointControllers } from './endpoints/index.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startNodeLifecycle } from './node-lifecycle.js';
import { startNodePods } from './node-pods.js';
import { startReplicaSetController } from './replicaset.js';
import { startScheduler } from './scheduler.js';
import { startServiceAccountsController } from './serviceaccounts.js';
import { rootCAConfigMapName, startRootCAPublisher } from './root-ca-publisher.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    'node-grace-period': { type: 'string', default: '10' },
    'token-file': { type: 'string' },
    /** The cluster CA every namespace's kube-root-ca.crt ConfigMap publishes. */
    'root-ca-file': { type: 'string' },
    /** Several controller-managers (one per host of a multi-host lab): only the holder of the Lease kube-system/kube-controller-manager runs controllers. */
    'leader-elect': { type: 'boolean', default: false },
    /** Stable across restarts, so a restarted leader takes its Lease back at once instead of waiting it out. */
    'leader-elect-identity': { type: 'string' },
    /** More API servers to fail over to, in order, after --server. */
    'fallback-server': { type: 'string', multiple: true },
  },
});
if (!values.server) {
  console.error('controller-manager: --server is required');
  process.exit(2);
}

const client = new ApiClient({ server: values.server, fallbacks: values['fallback-server'], tokenFile: values['token-file'], userAgent: 'svclab-controller-manager' });

async function runControllers(): Promise<void> {
  const nodes = new Informer<Node>(client, types.nodes).start();
  const leases = new Informer<Lease>(client, types.leases, { namespace: 'kube-node-lease' }).start();
  const pods = new Informer<Pod>(client, types.pods).start();
  const replicasets = new Informer<ReplicaSet>(client, types.replicasets).start();
  const deployments = new Informer<Deployment>(client, types.deployments).start();
  const services = new Informer<Service>(client, types.services).start();
  const endpoints = new Informer<Endpoints>(client, types.endpoints).start();
  const slices = new Informer<EndpointSlice>(client, types.endpointslices).start();
  const namespaces = new Informer<Namespace>(client, types.namespaces).start();
  const accounts = new Informer<ServiceAccount>(client, types.serviceaccounts).start();
  const clusterRoles = new Informer<ClusterRole>(client, types.clusterroles).start();
  const rootCA = values['root-ca-file'] ? fs.readFileSync(values['root-ca-file'], 'utf8') : undefined;
  const caMaps = rootCA ? new Informer<ConfigMap>(client, types.configmaps, { fieldSelector: `metadata.name=${rootCAConfigMapName}` }).start() : undefined;
  await Promise.all([nodes, leases, pods, replicasets, deployments, services, endpoints, slices, namespaces, accounts, clusterRoles, ...(caMaps ? [caMaps] : [])].map((i) => i.synced));
  startNodeLifecycle(client, nodes, leases, { gracePeriodMs: Number(values['node-grace-period']) * 1000 });
  startNodePods(client, nodes, pods);
  startScheduler(client, nodes, pods);
  startReplicaSetController(client, pods, replicasets);
  startDeploymentController(client, deployments, replicasets, pods);
  startGarbageCollector(client, [pods, replicasets, deployments]);
  startEndpointControllers(client, { services, pods, endpoints, slices, nodes });
  startServiceAccountsController(client, namespaces, accounts);
  startClusterRoleAggregation(client, clusterRoles);
  if (rootCA && caMaps) startRootCAPublisher(client, namespaces, caMaps, rootCA);
  console.log(`controller-manager: running node-lifecycle, node-pods, scheduler, replicaset, deployment, garbage-collector, endpoints, endpointslice, endpointslice-mirroring, serviceaccount, clusterrole-aggregation${rootCA ? ', root-ca-cert-publisher' : ''}`);
}

if (values['leader-elect']) {
  const elector = new LeaderElector(client, { namespace: 'kube-system', name: 'kube-controller-manager', identity: values['leader-elect-identity'] });
  void elector.run(runControllers, () => process.exit(1));
} else await runControllers();

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
