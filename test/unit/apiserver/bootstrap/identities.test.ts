// Least privilege before authentication lands: each lab component's own code (or
// its exact requests, where the code needs a host) runs against an RBAC API
// server as the identity it will authenticate as, impersonated by the admin.
// Everything it does must be allowed; a step outside its job must be refused.
import test, { type ExecutionContext } from 'ava';
import { ApiError } from '../../../../src/api/errors.js';
import { types, type ResourceType } from '../../../../src/api/resources.js';
import type { ClusterRole, Deployment, EndpointSlice, Endpoints, KubeObject, Lease, Namespace, Node, Pod, ReplicaSet, Service, ServiceAccount } from '../../../../src/api/types.js';
import { registerNode, keepNodeAlive } from '../../../../src/agent/kubelet/node-status.js';
import { identities } from '../../../../src/apiserver/bootstrap/components.js';
import type { Impersonation } from '../../../../src/client/client.js';
import { EventRecorder } from '../../../../src/client/events.js';
import { Informer } from '../../../../src/client/informer.js';
import { startClusterRoleAggregation } from '../../../../src/controllers/clusterrole-aggregation.js';
import { startDeploymentController } from '../../../../src/controllers/deployment/index.js';
import { startEndpointControllers } from '../../../../src/controllers/endpoints/index.js';
import { startGarbageCollector } from '../../../../src/controllers/garbage-collector.js';
import { startNodeLifecycle } from '../../../../src/controllers/node-lifecycle.js';
import { startNodePods } from '../../../../src/controllers/node-pods.js';
import { startReplicaSetController } from '../../../../src/controllers/replicaset.js';
import { startScheduler } from '../../../../src/controllers/scheduler.js';
import { startServiceAccountsController } from '../../../../src/controllers/serviceaccounts.js';
import { clusterResourceTypes, syncClusterView } from '../../../../src/dns/cluster-sync.js';
import { ClusterView } from '../../../../src/dns/cluster-view.js';
import { watchedTypes } from '../../../../src/ingress/model.js';
import { dnsAccess, ingressAccess, INGRESS_NAMESPACE } from '../../../../src/lab/addons.js';
import { startApiServer, type TestServer } from '../../../helpers/apiserver.js';
import { DrainingClient, markRunning, waitFor } from '../../controllers/fake-cluster.js';

const node1 = { name: 'n1', ip: '10.0.0.1', podCIDR: '10.244.1.0/24', proxyMode: 'iptables' };

async function rbacServer(t: ExecutionContext): Promise<TestServer> {
  return startApiServer(t, { authorizationMode: 'Node,RBAC', admissionPlugins: 'NodeRestriction' }); // as the lab runs it
}

/** A client acting as `who`; drained at teardown so no write meets a closed store. */
function acting(t: ExecutionContext, s: TestServer, who: { user: string; groups: string[] }): DrainingClient {
  const impersonate: Impersonation = { user: who.user, groups: who.groups };
  const c = new DrainingClient({ server: s.url, timeoutMs: 5000, impersonate });
  t.teardown(async () => {
    await c.drain();
    c.close();
  });
  return c;
}

function informer<T extends KubeObject>(t: ExecutionContext, c: DrainingClient, type: ResourceType, opts: { namespace?: string; fieldSelector?: string } = {}): Informer<T> {
  const i = new Informer<T>(c, type, opts).start();
  t.teardown(() => i.stop());
  return i;
}

/** Lists then watches each type, as an informer starts: both must be allowed. */
async function mayListAndWatch(c: DrainingClient, ts: ResourceType[], opts: { namespace?: string; fieldSelector?: string } = {}): Promise<void> {
  for (const type of ts) {
    const list = await c.list(type, opts.namespace, { fieldSelector: opts.fieldSelector });
    const w = await c.watch(type, opts.namespace, list.metadata.resourceVersion ?? '0', { fieldSelector: opts.fieldSelector });
    w.stop();
  }
}

async function refused(t: ExecutionContext, what: string, p: Promise<unknown>): Promise<void> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  t.true(e instanceof ApiError && e.status.code === 403, `${what} should be forbidden, got ${e instanceof ApiError ? e.status.code : 'success'}`);
}

const nodeUser = identities.node(node1.name);

test('the agent as system:node:n1 (group system:nodes): registers, heartbeats, reads its pods and the proxy\'s objects, reports status', async (t) => {
  const s = await rbacServer(t);
  const agent = acting(t, s, nodeUser);
  await registerNode(agent, node1);
  const nodes = informer<Node>(t, agent, types.nodes);
  await nodes.synced;
  const stop = keepNodeAlive(agent, node1, nodes);
  t.teardown(stop);
  await waitFor('the node lease', () => s.client.get<Lease>(types.leases, 'n1', 'kube-node-lease').catch(() => undefined), 5000);
  // The kubelet's pods, the services for environment variables and the proxy's slices.
  await mayListAndWatch(agent, [types.pods], { fieldSelector: 'spec.nodeName=n1' });
  await mayListAndWatch(agent, [types.services, types.endpointslices, types.nodes]);
  // A node reads the ConfigMaps and Secrets its own pods use, no others (the Node authorizer).
  await s.client.create(types.configmaps, { metadata: { name: 'cfg' }, data: { a: 'b' } }, 'default');
  await s.client.create(types.secrets, { metadata: { name: 'sec' }, stringData: { a: 'b' } }, 'default');
  await s.client.create(types.secrets, { metadata: { name: 'other' }, stringData: { a: 'b' } }, 'default');
  await refused(t, 'a node reading a Secret no pod of it uses', agent.get(types.secrets, 'sec', 'default'));
  const containers = [{ name: 'c', image: 'nginx', envFrom: [{ configMapRef: { name: 'cfg' } }], env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'a' } } }] }];
  const pod = await s.client.create<Pod>(types.pods, { metadata: { name: 'p' }, spec: { nodeName: 'n1', containers } }, 'default');
  await agent.get(types.configmaps, 'cfg', 'default');
  await agent.get(types.secrets, 'sec', 'default');
  const other = await agent.get(types.secrets, 'other', 'default').catch((e: unknown) => e);
  t.is((other as ApiError).status.message, 'secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node \'n1\' and this object');
  await refused(t, 'a node listing Secrets', agent.list(types.secrets, 'default'));
  await refused(t, 'another node reading the pod\'s Secret', acting(t, s, identities.node('n2')).get(types.secrets, 'sec', 'default'));
  await markRunning(agent, pod, '10.244.1.5');
  const events = new EventRecorder(agent, 'kubelet', 'n1');
  await events.event(pod, 'Normal', 'Started', 'Started container c');
  await events.event(pod, 'Normal', 'Started', 'Started container c'); // a repeat is a patch
  t.is((await s.client.list(types.events, 'default')).items.length, 1);
  await agent.delete(types.pods, 'p', 'default', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
  await refused(t, 'a node creating a Deployment', agent.create(types.deployments, { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }, 'default'));
  await refused(t, 'a node deleting a Node', agent.delete(types.nodes, 'n1'));
  await refused(t, 'a node writing EndpointSlices', agent.create(types.endpointslices, { metadata: { name: 's' }, addressType: 'IPv4', endpoints: [] } as unknown as EndpointSlice, 'default'));
  await refused(t, 'a node binding roles', agent.create(types.clusterrolebindings, { metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] }));
});

test('the controller-manager as system:kube-controller-manager runs every controller: a Deployment gets pods, bound, with endpoints', async (t) => {
  const s = await rbacServer(t);
  const cm = acting(t, s, identities.controllerManager);
  const agent = acting(t, s, nodeUser);
  await registerNode(agent, node1);
  await agent.patch(types.nodes, 'n1', { status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString() }] } }, undefined, 'status');
  // As src/controllers/main.ts wires them.
  const nodes = informer<Node>(t, cm, types.nodes);
  const leases = informer<Lease>(t, cm, types.leases, { namespace: 'kube-node-lease' });
  const pods = informer<Pod>(t, cm, types.pods);
  const replicasets = informer<ReplicaSet>(t, cm, types.replicasets);
  const deployments = informer<Deployment>(t, cm, types.deployments);
  const services = informer<Service>(t, cm, types.services);
  const endpoints = informer<Endpoints>(t, cm, types.endpoints);
  const slices = informer<EndpointSlice>(t, cm, types.endpointslices);
  const namespaces = informer<Namespace>(t, cm, types.namespaces);
  const accounts = informer<ServiceAccount>(t, cm, types.serviceaccounts);
  const clusterRoles = informer<ClusterRole>(t, cm, types.clusterroles);
  await Promise.all([nodes, leases, pods, replicasets, deployments, services, endpoints, slices, namespaces, accounts, clusterRoles].map((i) => i.synced));
  for (const stop of [
    startNodeLifecycle(cm, nodes, leases, { gracePeriodMs: 60_000 }),
    startNodePods(cm, nodes, pods),
    startScheduler(cm, nodes, pods),
    startReplicaSetController(cm, pods, replicasets),
    startDeploymentController(cm, deployments, replicasets, pods),
    startGarbageCollector(cm, [pods, replicasets, deployments]),
    startEndpointControllers(cm, { services, pods, endpoints, slices, nodes }),
    startServiceAccountsController(cm, namespaces, accounts),
    startClusterRoleAggregation(cm, clusterRoles),
  ]) t.teardown(stop);

  await s.client.create(types.namespaces, { metadata: { name: 'team' } });
  await waitFor('team/default ServiceAccount', () => s.client.get(types.serviceaccounts, 'default', 'team').catch(() => undefined), 5000);
  const labels = { app: 'web' };
  await s.client.create(types.deployments, { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }, 'team');
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80 }] } }, 'team');
  const bound = await waitFor('2 pods scheduled to n1', async () => {
    const ps = (await s.client.list<Pod>(types.pods, 'team')).items.filter((p) => p.spec.nodeName === 'n1');
    return ps.length === 2 ? ps : undefined;
  }, 5000);
  let ip = 10;
  for (const p of bound) await markRunning(agent, p, `10.244.1.${ip++}`);
  await waitFor('Endpoints with 2 addresses', async () => ((await s.client.get<Endpoints>(types.endpoints, 'web', 'team').catch(() => undefined))?.subsets?.[0]?.addresses?.length === 2 ? true : undefined), 5000);
  await waitFor('an EndpointSlice with 2 endpoints', async () => ((await s.client.list<EndpointSlice>(types.endpointslices, 'team')).items.some((sl) => sl.endpoints?.length === 2) ? true : undefined), 5000);
  await waitFor('Deployment status: 2 ready', async () => ((await s.client.get<Deployment>(types.deployments, 'web', 'team')).status?.readyReplicas === 2 ? true : undefined), 5000);
  // Deleting the Deployment leaves its ReplicaSet to the garbage collector.
  await s.client.delete(types.deployments, 'web', 'team', { propagationPolicy: 'Background' });
  await waitFor('the ReplicaSet collected', async () => ((await s.client.list(types.replicasets, 'team')).items.length === 0 ? true : undefined), 5000);
  // Aggregation writes rules the controller-manager does not hold (it may escalate ClusterRoles).
  const widgets = { verbs: ['delete'], apiGroups: ['example.com'], resources: ['widgets'] };
  await s.client.create(types.clusterroles, { metadata: { name: 'widget-editor', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }, rules: [widgets] });
  await waitFor('admin aggregates the widget rule', async () => ((await s.client.get<ClusterRole>(types.clusterroles, 'admin')).rules?.some((r) => r.apiGroups?.includes('example.com')) ? true : undefined), 5000);
  await refused(t, 'the controller-manager creating a Node', cm.create(types.nodes, { metadata: { name: 'n9' }, spec: {} }));
  await refused(t, 'the controller-manager binding roles', cm.create(types.clusterrolebindings, { metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] }));
});

async function withAccess(s: TestServer, objects: [ResourceType, KubeObject][]): Promise<void> {
  for (const [type, obj] of objects) await s.client.create(type, obj, obj.metadata.namespace);
}

test('CoreDNS as system:serviceaccount:kube-system:coredns: its informers sync; it reads nothing else and writes nothing', async (t) => {
  const s = await rbacServer(t);
  const { account, role, binding } = dnsAccess();
  await withAccess(s, [[types.serviceaccounts, account], [types.clusterroles, role], [types.clusterrolebindings, binding]]);
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } }, 'default');
  const dns = acting(t, s, { user: 'system:serviceaccount:kube-system:coredns', groups: [] });
  const view = new ClusterView();
  const stop = await syncClusterView(dns, view);
  t.teardown(stop);
  t.truthy(view.service('default', 'web'));
  await mayListAndWatch(dns, Object.values(clusterResourceTypes()));
  await refused(t, 'CoreDNS reading Secrets', dns.list(types.secrets, 'kube-system'));
  await refused(t, 'CoreDNS getting one Service', dns.get(types.services, 'web', 'default'));
  await refused(t, 'CoreDNS deleting a Service', dns.delete(types.services, 'web', 'default'));
});

test('ingress-nginx as its ServiceAccount: watches what the controller watches, writes Ingress and Gateway status only', async (t) => {
  const s = await rbacServer(t);
  await s.client.create(types.namespaces, { metadata: { name: INGRESS_NAMESPACE } });
  await withAccess(s, ingressAccess());
  const ing = acting(t, s, { user: `system:serviceaccount:${INGRESS_NAMESPACE}:ingress-nginx`, groups: [] });
  await mayListAndWatch(ing, Object.values(watchedTypes));
  const ingress = await s.client.create<KubeObject>(types.ingresses, { metadata: { name: 'web' }, spec: { ingressClassName: 'nginx', defaultBackend: { service: { name: 'web', port: { number: 80 } } } } }, 'default');
  await ing.update(types.ingresses, { ...ingress, status: { loadBalancer: { ingress: [{ ip: '203.0.113.200' }] } } }, 'status');
  const gc = await s.client.create<KubeObject>(types.gatewayclasses, { metadata: { name: 'nginx' }, spec: { controllerName: 'k8s.io/ingress-nginx' } });
  await ing.update(types.gatewayclasses, { ...gc, status: { conditions: [] } }, 'status');
  await refused(t, 'the ingress controller changing an Ingress spec', ing.update(types.ingresses, { ...ingress, metadata: { ...ingress.metadata, labels: { x: 'y' } } }));
  await refused(t, 'the ingress controller creating pods', ing.create(types.pods, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, INGRESS_NAMESPACE));
  await refused(t, 'the ingress controller deleting Services', ing.delete(types.services, 'kubernetes', 'default'));
});

test('the router as svclab:router: the load balancer\'s reads, Service status and events; the dashboard as svclab:dashboard: reads, pod deletes and a trace probe\'s exec', async (t) => {
  const s = await rbacServer(t);
  const svc = await s.client.create<Service>(types.services, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } }, 'default');
  const router = acting(t, s, identities.router);
  await mayListAndWatch(router, [types.services, types.nodes, types.endpointslices]);
  await router.patch(types.services, 'lb', { status: { loadBalancer: { ingress: [{ ip: '203.0.113.200', ipMode: 'VIP' }] } } }, 'default', 'status');
  await new EventRecorder(router, 'service-controller').event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
  await refused(t, 'the router changing a Service spec', router.patch(types.services, 'lb', { spec: { ports: [{ port: 81 }] } }, 'default'));
  await refused(t, 'the router deleting pods', router.delete(types.pods, 'x', 'default'));

  const ui = acting(t, s, identities.dashboard);
  await mayListAndWatch(ui, [types.nodes, types.pods, types.services, types.endpoints]);
  await ui.get(types.services, 'lb', 'default');
  await s.client.create(types.pods, { metadata: { name: 'victim' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'default');
  await ui.delete(types.pods, 'victim', 'default');
  t.true(s.server.authorizer.authorize({ user: { username: identities.dashboard.user, groups: ['system:authenticated'] }, verb: 'create', resourceRequest: true, path: '/api/v1/namespaces/default/pods/client/exec', apiGroup: '', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'client' }).allowed);
  await refused(t, 'the dashboard reading Secrets', ui.list(types.secrets, 'default'));
  await refused(t, 'the dashboard creating pods', ui.create(types.pods, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'default'));
});
