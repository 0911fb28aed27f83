import test, { type ExecutionContext } from 'ava';
import { ApiError } from '../../../../src/api/errors.js';
import { types } from '../../../../src/api/resources.js';
import type { KubeObject, Lease, Node, Pod } from '../../../../src/api/types.js';
import type { AdmissionAttributes, AdmissionWrite } from '../../../../src/apiserver/admission/admission.js';
import { forbiddenNodeLabels, nodeRestrictionRefusal } from '../../../../src/apiserver/admission/noderestriction.js';
import type { UserInfo } from '../../../../src/apiserver/auth/user.js';
import { Store } from '../../../../src/apiserver/store.js';
import { ApiClient } from '../../../../src/client/client.js';
import { startApiServer } from '../../../helpers/apiserver.js';
import { tempDir } from '../../../helpers/tmp.js';

const node1: UserInfo = { username: 'system:node:node1', groups: ['system:nodes', 'system:authenticated'] };
const nodeObj = (name: string, labels: Record<string, string> = {}, taints?: Node['spec']): Node => ({ metadata: { name, uid: `uid-${name}`, labels }, spec: taints ?? {} }) as Node;
const pod = (name: string, nodeName: string, extra: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}): Pod =>
  ({ metadata: { name, namespace: 'demo', uid: `uid-${name}`, labels: { app: 'web' }, ...meta }, spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...extra } }) as Pod;

async function storeWith(t: ExecutionContext, objects: [string, string, KubeObject][]): Promise<Store> {
  const store = new Store(tempDir(t));
  t.teardown(() => store.close());
  for (const [type, key, obj] of objects) await store.write('put', type, key, obj);
  return store;
}

/** A request's attributes: user node1 unless said otherwise. */
function req(type: keyof typeof types, name: string, w: AdmissionWrite, more: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { user: node1, type: types[type], name, ...w, ...more };
}

const message = (e: ApiError | undefined): string | undefined => e?.status.message;

test('only nodes are restricted; a node user without a name is refused', async (t) => {
  const store = await storeWith(t, []);
  const w: AdmissionWrite = { operation: 'UPDATE', object: nodeObj('node2'), oldObject: nodeObj('node2') };
  t.is(nodeRestrictionRefusal(req('nodes', 'node2', w, { user: { username: 'kubernetes-admin', groups: ['system:masters'] } }), store), undefined);
  t.is(nodeRestrictionRefusal(req('nodes', 'node2', w, { user: { username: 'system:node:node1', groups: [] } }), store), undefined, 'not in system:nodes: not a node');
  t.is(message(nodeRestrictionRefusal(req('nodes', 'node2', w, { user: { username: 'system:node:', groups: ['system:nodes'] } }), store)), 'nodes "node2" is forbidden: could not determine node from user "system:node:"');
  t.is(nodeRestrictionRefusal(req('services', 'web', { operation: 'DELETE', oldObject: { metadata: { name: 'web' } } }, { namespace: 'demo' }), store), undefined, 'types NodeRestriction does not know are left to authorization');
});

test('Nodes: only its own; no taint changes; no node-restriction.kubernetes.io or unknown kubernetes.io labels', async (t) => {
  const store = await storeWith(t, []);
  const own = nodeObj('node1', { 'kubernetes.io/hostname': 'node1' });
  const refusal = (name: string, w: AdmissionWrite) => {
    const e = nodeRestrictionRefusal(req('nodes', name, w), store);
    if (e) t.is(e.status.code, 403);
    return message(e);
  };
  t.is(refusal('node1', { operation: 'CREATE', object: nodeObj('node1', { 'kubernetes.io/hostname': 'node1', 'kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': 'a', 'my.example/x': 'y' }) }), undefined);
  t.is(refusal('node2', { operation: 'CREATE', object: nodeObj('node2') }), 'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  t.is(refusal('node2', { operation: 'UPDATE', object: nodeObj('node2', { a: 'b' }), oldObject: nodeObj('node2') }), 'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  t.is(refusal('node2', { operation: 'DELETE', oldObject: nodeObj('node2') }), 'nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  t.is(refusal('node1', { operation: 'DELETE', oldObject: own }), undefined, 'its own (RBAC decides whether at all)');
  t.is(
    refusal('node1', { operation: 'CREATE', object: nodeObj('node1', { 'node-restriction.kubernetes.io/pool': 'x', 'node-role.kubernetes.io/control-plane': '', 'kubelet.kubernetes.io/ok': '1' }) }),
    'nodes "node1" is forbidden: node "node1" is not allowed to set the following labels: node-restriction.kubernetes.io/pool, node-role.kubernetes.io/control-plane',
  );
  t.is(refusal('node1', { operation: 'UPDATE', object: nodeObj('node1', { ...own.metadata.labels, team: 'blue', 'node.kubernetes.io/instance-type': 'big' }), oldObject: own }), undefined);
  t.is(
    refusal('node1', { operation: 'UPDATE', object: nodeObj('node1', { 'example.node-restriction.kubernetes.io/x': 'y', 'k8s.io/z': '' }), oldObject: own }),
    'nodes "node1" is forbidden: is not allowed to modify labels: example.node-restriction.kubernetes.io/x, k8s.io/z',
    'upstream names no node here; removing kubernetes.io/hostname is fine, it is a kubelet label',
  );
  const tainted = nodeObj('node1', own.metadata.labels, { taints: [{ key: 'k', effect: 'NoSchedule' }] });
  t.is(refusal('node1', { operation: 'UPDATE', object: own, oldObject: tainted }), 'nodes "node1" is forbidden: node "node1" is not allowed to modify taints');
  t.is(refusal('node1', { operation: 'UPDATE', object: { ...own, spec: { taints: [] } }, oldObject: own }), undefined, 'no taints and an empty list are the same');
  t.is(refusal('node1', { operation: 'CREATE', object: { ...own, spec: { configSource: {} } } as unknown as Node }), 'nodes "node1" is forbidden: node "node1" is not allowed to create pods with a non-nil configSource');
  t.deepEqual(forbiddenNodeLabels(['b.k8s.io/x', 'a.kubernetes.io/y', 'kubernetes.io/arch', 'sub.kubelet.kubernetes.io/z', 'plain', 'example.com/k']), ['a.kubernetes.io/y', 'b.k8s.io/x']);
});

test('Pods: no pods but mirror pods of its own; delete, evict and status only of pods bound to it', async (t) => {
  const mine = pod('mine', 'node1');
  const theirs = pod('theirs', 'node2');
  const store = await storeWith(t, [
    ['core/nodes', 'node1', nodeObj('node1')],
    ['core/pods', 'demo/mine', mine],
    ['core/pods', 'demo/theirs', theirs],
  ]);
  const refusal = (w: AdmissionWrite, name: string, subresource?: string) => message(nodeRestrictionRefusal(req('pods', name, w, { namespace: 'demo', subresource }), store));
  t.is(refusal({ operation: 'CREATE', object: pod('new', 'node1') }, 'new'), 'pods "new" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods');
  const owner = { apiVersion: 'v1', kind: 'Node', name: 'node1', uid: 'uid-node1', controller: true };
  const mirror = (spec: Partial<Pod['spec']> = {}, meta: Partial<Pod['metadata']> = {}, nodeName = 'node1') =>
    pod('static-web-node1', nodeName, spec, { annotations: { 'kubernetes.io/config.mirror': 'hash' }, ownerReferences: [owner], ...meta });
  t.is(refusal({ operation: 'CREATE', object: mirror() }, 'static-web-node1'), undefined);
  t.is(refusal({ operation: 'CREATE', object: mirror({}, {}, 'node2') }, 'static-web-node1'), 'pods "static-web-node1" is forbidden: node "node1" can only create pods with spec.nodeName set to itself');
  t.is(refusal({ operation: 'CREATE', object: mirror({}, { ownerReferences: [] }) }, 'static-web-node1'), 'pods "static-web-node1" is forbidden: node "node1" can only create pods with an owner reference set to itself');
  t.is(refusal({ operation: 'CREATE', object: mirror({}, { ownerReferences: [{ ...owner, controller: false }] }) }, 'static-web-node1'), 'pods "static-web-node1" is forbidden: node "node1" can only create pods with a controller owner reference set to itself');
  t.is(refusal({ operation: 'CREATE', object: mirror({}, { ownerReferences: [{ ...owner, uid: 'forged' }] }) }, 'static-web-node1'), 'pods "static-web-node1" is forbidden: node node1 UID mismatch: expected forged got uid-node1');
  t.is(refusal({ operation: 'CREATE', object: mirror({ serviceAccountName: 'default' }) }, 'static-web-node1'), 'pods "static-web-node1" is forbidden: node "node1" can not create pods that reference a service account');
  t.is(refusal({ operation: 'CREATE', object: mirror({ volumes: [{ name: 'v', secret: { secretName: 's' } }] } as Partial<Pod['spec']>) }, 'static-web-node1'), 'pods "static-web-node1" is forbidden: node "node1" can not create pods that reference secrets');
  t.is(refusal({ operation: 'DELETE', oldObject: mine }, 'mine'), undefined);
  t.is(refusal({ operation: 'DELETE', oldObject: theirs }, 'theirs'), 'pods "theirs" is forbidden: node "node1" can only delete pods with spec.nodeName set to itself');
  t.is(refusal({ operation: 'UPDATE', object: mine, oldObject: mine }, 'mine'), 'pods "mine" is forbidden: unexpected operation "UPDATE", node "node1" can only create and delete mirror pods');
  t.is(refusal({ operation: 'UPDATE', object: mine, oldObject: mine }, 'mine', 'status'), undefined);
  t.is(refusal({ operation: 'UPDATE', object: theirs, oldObject: theirs }, 'theirs', 'status'), 'pods "theirs" is forbidden: node "node1" can only update pod status for pods with spec.nodeName set to itself');
  t.is(refusal({ operation: 'UPDATE', object: pod('mine', 'node1', {}, { labels: { app: 'db' } }), oldObject: mine }, 'mine', 'status'), 'pods "mine" is forbidden: node "node1" cannot update labels through pod status');
  t.is(refusal({ operation: 'CREATE', object: { metadata: { name: 'theirs' } } }, 'theirs', 'eviction'), 'pods "theirs" is forbidden: node node1 can only evict pods with spec.nodeName set to itself');
  t.is(refusal({ operation: 'CREATE', object: { metadata: { name: 'gone' } } }, 'gone', 'eviction'), 'pods "gone" not found');
  t.is(refusal({ operation: 'CREATE', object: { metadata: { name: 'mine' } } }, 'mine', 'binding'), 'pods "mine" is forbidden: unexpected pod subresource "binding", only \'status\' and \'eviction\' are allowed');
});

test('Leases: its own in kube-node-lease only; tokens: only bound to its own pods, by uid', async (t) => {
  const store = await storeWith(t, [
    ['core/pods', 'demo/mine', pod('mine', 'node1')],
    ['core/pods', 'demo/theirs', pod('theirs', 'node2')],
  ]);
  const lease = (name: string, namespace = 'kube-node-lease'): Lease => ({ metadata: { name, namespace }, spec: { holderIdentity: name } }) as Lease;
  const leaseRefusal = (w: AdmissionWrite, name: string, namespace = 'kube-node-lease') => message(nodeRestrictionRefusal(req('leases', name, w, { namespace }), store));
  t.is(leaseRefusal({ operation: 'CREATE', object: lease('node1') }, 'node1'), undefined);
  t.is(leaseRefusal({ operation: 'UPDATE', object: lease('node1'), oldObject: lease('node1') }, 'node1'), undefined);
  t.is(leaseRefusal({ operation: 'CREATE', object: lease('node2') }, 'node2'), 'leases.coordination.k8s.io "node2" is forbidden: can only access node lease with the same name as the requesting node');
  t.is(leaseRefusal({ operation: 'DELETE', oldObject: lease('node2') }, 'node2'), 'leases.coordination.k8s.io "node2" is forbidden: can only access node lease with the same name as the requesting node');
  t.is(leaseRefusal({ operation: 'CREATE', object: lease('node1', 'default') }, 'node1', 'default'), 'leases.coordination.k8s.io "node1" is forbidden: can only access leases in the "kube-node-lease" system namespace');

  const token = (boundObjectRef?: Record<string, string>): KubeObject => ({ metadata: {}, spec: { ...(boundObjectRef ? { boundObjectRef } : {}) } }) as unknown as KubeObject;
  const tokenRefusal = (object: KubeObject) => message(nodeRestrictionRefusal(req('serviceaccounts', 'default', { operation: 'CREATE', object }, { namespace: 'demo', subresource: 'token' }), store));
  t.is(tokenRefusal(token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'uid-mine' })), undefined);
  t.is(tokenRefusal(token()), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
  t.is(tokenRefusal(token({ apiVersion: 'v1', kind: 'Pod', name: 'mine' })), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
  t.is(tokenRefusal(token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'old' })), 'serviceaccounts "default" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated');
  t.is(tokenRefusal(token({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'uid-theirs' })), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
});

test('through the API server (Node,RBAC + NodeRestriction): a node patches its own Node and pods, and nothing of another node; nothing refused is stored', async (t) => {
  const s = await startApiServer(t, { authorizationMode: 'Node,RBAC', admissionPlugins: 'NodeRestriction' });
  const as = (node: string) => {
    const c = new ApiClient({ server: s.url, timeoutMs: 5000, impersonate: { user: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] } });
    t.teardown(() => c.close());
    return c;
  };
  const n1 = as('node1');
  const n2 = as('node2');
  await n1.create(types.nodes, { metadata: { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } } });
  await n2.create(types.nodes, { metadata: { name: 'node2' } });
  const failure = (p: Promise<unknown>) => p.then(() => 'allowed', (e: unknown) => (e instanceof ApiError ? `${e.status.code} ${e.status.message}` : String(e)));
  t.is(await failure(n1.create(types.nodes, { metadata: { name: 'node3' } })), '403 nodes "node3" is forbidden: node "node1" is not allowed to modify node "node3"');
  await n1.patch(types.nodes, 'node1', { metadata: { labels: { team: 'blue' } } });
  t.is(await failure(n1.patch(types.nodes, 'node2', { metadata: { labels: { team: 'blue' } } })), '403 nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  t.is(await failure(n1.patch(types.nodes, 'node1', { metadata: { labels: { 'node-restriction.kubernetes.io/pool': 'secure' } } })), '403 nodes "node1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pool');
  t.is(await failure(n1.patch(types.nodes, 'node1', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } })), '403 nodes "node1" is forbidden: node "node1" is not allowed to modify taints');
  t.is(await failure(n1.patch(types.nodes, 'node2', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, undefined, 'status')), '403 nodes "node2" is forbidden: node "node1" is not allowed to modify node "node2"');
  t.deepEqual((await s.client.get<Node>(types.nodes, 'node1')).metadata.labels, { 'kubernetes.io/hostname': 'node1', team: 'blue' });
  t.is((await s.client.get<Node>(types.nodes, 'node1')).spec?.taints, undefined);
  t.is((await s.client.get<Node>(types.nodes, 'node2')).metadata.labels, undefined);

  await s.client.create(types.namespaces, { metadata: { name: 'demo' } });
  await s.client.create(types.pods, { metadata: { name: 'theirs' }, spec: { nodeName: 'node2', containers: [{ name: 'c', image: 'i' }] } }, 'demo');
  t.is(await failure(n1.patch(types.pods, 'theirs', { status: { phase: 'Failed' } }, 'demo', 'status')), '403 pods "theirs" is forbidden: node "node1" can only update pod status for pods with spec.nodeName set to itself');
  t.is(await failure(n1.delete(types.pods, 'theirs', 'demo')), '403 pods "theirs" is forbidden: node "node1" can only delete pods with spec.nodeName set to itself');
  t.is(await failure(n1.create(types.pods, { metadata: { name: 'sneaky' }, spec: { nodeName: 'node1', containers: [{ name: 'c', image: 'i' }] } }, 'demo')), '403 pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "node1" can only create mirror pods');
  t.is(await failure(n1.create(types.leases, { metadata: { name: 'node2' }, spec: { holderIdentity: 'node1' } }, 'kube-node-lease')), '403 leases.coordination.k8s.io "node2" is forbidden: can only access node lease with the same name as the requesting node');
  await n2.patch(types.pods, 'theirs', { status: { phase: 'Running' } }, 'demo', 'status');
  await n2.delete(types.pods, 'theirs', 'demo', { gracePeriodSeconds: 0 });
  t.is((await s.client.list(types.pods, 'demo')).items.length, 0);
});
