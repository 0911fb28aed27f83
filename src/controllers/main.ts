// The controller-manager process: every cluster-level controller, fed by shared informers.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Host } from '../api/hosts.js';
import { types } from '../api/resources.js';
import { parseCidr } from '../net/cidr.js';
import { bootstrapTokenSecretType, clusterInfo } from '../api/bootstrap-token.js';
import type { CertificateSigningRequest, ClusterRole, ConfigMap, Secret, Deployment, Endpoints, EndpointSlice, Lease, Namespace, Node, Pod, ReplicaSet, Service, ServiceAccount } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { LeaderElector } from './leader-election.js';
import { startClusterRoleAggregation } from './clusterrole-aggregation.js';
import { startDeploymentController } from './deployment/index.js';
import { startEndpointControllers } from './endpoints/index.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startHostController } from './hosts/index.js';
import { startNodeLifecycle } from './node-lifecycle.js';
import { startNodePods } from './node-pods.js';
import { startReplicaSetController } from './replicaset.js';
import { startScheduler } from './scheduler.js';
import { startServiceAccountsController } from './serviceaccounts.js';
import { rootCAConfigMapName, startRootCAPublisher } from './root-ca-publisher.js';
import { startBootstrapSigner } from './bootstrap/signer.js';
import { startTokenCleaner } from './bootstrap/token-cleaner.js';
import { startCsrApprover } from './certificates/approver.js';
import { startCsrSigner } from './certificates/signer.js';

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
    /** Labs other machines join (lab up --listen): the address plan the host controller allocates from, and the overlay's VNI and MTU. */
    'node-cidr': { type: 'string', default: '172.18.0.0/24' },
    'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
    'overlay-vni': { type: 'string' },
    'overlay-mtu': { type: 'string', default: '1450' },
    // The CA the csrsigning controller issues with (kube-controller-manager's flag names).
    'cluster-signing-cert-file': { type: 'string' },
    'cluster-signing-key-file': { type: 'string' },
    'cluster-signing-duration': { type: 'string', default: '8760h' },
  },
});
if (!values.server) {
  console.error('controller-manager: --server is required');
  process.exit(2);
}

const client = new ApiClient({ server: values.server, tokenFile: values['token-file'], userAgent: 'svclab-controller-manager' });

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
  const hosts = new Informer<Host>(client, types.hosts).start();
  // For the garbage collector only: Secrets and ConfigMaps with owners (the uploaded certificates, users' own).
  const secrets = new Informer<Secret>(client, types.secrets).start();
  const configMaps = new Informer<ConfigMap>(client, types.configmaps).start();
  const rootCA = values['root-ca-file'] ? fs.readFileSync(values['root-ca-file'], 'utf8') : undefined;
  const caMaps = rootCA ? new Informer<ConfigMap>(client, types.configmaps, { fieldSelector: `metadata.name=${rootCAConfigMapName}` }).start() : undefined;
  const tokens = new Informer<Secret>(client, types.secrets, { namespace: 'kube-system', fieldSelector: `type=${bootstrapTokenSecretType}` }).start();
  const csrs = new Informer<CertificateSigningRequest>(client, types.certificatesigningrequests).start();
  const clusterInfoMaps = new Informer<ConfigMap>(client, types.configmaps, { namespace: clusterInfo.namespace, fieldSelector: `metadata.name=${clusterInfo.name}` }).start();
  await Promise.all([nodes, leases, pods, replicasets, deployments, services, endpoints, slices, namespaces, accounts, clusterRoles, hosts, secrets, configMaps, tokens, clusterInfoMaps, csrs, ...(caMaps ? [caMaps] : [])].map((i) => i.synced));
  startNodeLifecycle(client, nodes, leases, { gracePeriodMs: Number(values['node-grace-period']) * 1000 });
  startNodePods(client, nodes, pods);
  startScheduler(client, nodes, pods);
  startReplicaSetController(client, pods, replicasets);
  startDeploymentController(client, deployments, replicasets, pods);
  // Nodes of a joined host are owned by its Host: deleting the Host removes them; the uploaded
  // certificates are owned by a bootstrap token: when it expires they go.
  startGarbageCollector(client, [pods, replicasets, deployments, nodes, hosts, secrets, configMaps]);
  startEndpointControllers(client, { services, pods, endpoints, slices, nodes });
  startServiceAccountsController(client, namespaces, accounts);
  startClusterRoleAggregation(client, clusterRoles);
  if (rootCA && caMaps) startRootCAPublisher(client, namespaces, caMaps, rootCA);
  startTokenCleaner(client, tokens);
  startBootstrapSigner(client, clusterInfoMaps, tokens);
  startCsrApprover(client, csrs);
  const signingCert = values['cluster-signing-cert-file'];
  const signingKey = values['cluster-signing-key-file'];
  if (signingCert && signingKey) startCsrSigner(client, csrs, { certFile: signingCert, keyFile: signingKey, maxSeconds: Number(/^(\d+)h$/.exec(values['cluster-signing-duration']!)?.[1] ?? 8760) * 3600 });
  const vni = values['overlay-vni'];
  if (vni) startHostController(client, hosts, nodes, { nodeCIDR: parseCidr(values['node-cidr']!)!, podCIDR: parseCidr(values['cluster-cidr']!)!, vni: Number(vni), mtu: Number(values['overlay-mtu']) });
  console.log(`controller-manager: running node-lifecycle, node-pods, scheduler, replicaset, deployment, garbage-collector, endpoints, endpointslice, endpointslice-mirroring, serviceaccount, clusterrole-aggregation${rootCA ? ', root-ca-cert-publisher' : ''}, tokencleaner, bootstrapsigner, csrapproving${signingCert ? ', csrsigning' : ''}${vni ? ', host-controller' : ''}`);
}

if (values['leader-elect']) {
  const elector = new LeaderElector(client, { namespace: 'kube-system', name: 'kube-controller-manager', identity: values['leader-elect-identity'] });
  void elector.run(runControllers, () => process.exit(1));
} else await runControllers();

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
