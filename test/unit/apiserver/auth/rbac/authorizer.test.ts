import test, { type ExecutionContext } from 'ava';
import { authorizerFor } from '../../../../../src/apiserver/auth/modes.js';
import { RbacAuthorizer } from '../../../../../src/apiserver/auth/rbac/authorizer.js';
import type { Attributes, UserInfo } from '../../../../../src/apiserver/auth/user.js';
import { Store } from '../../../../../src/apiserver/store.js';
import type { KubeObject, PolicyRule, Subject } from '../../../../../src/api/types.js';
import { tempDir } from '../../../../helpers/tmp.js';

const g = 'rbac.authorization.k8s.io';
const readServices: PolicyRule = { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services'] };
const reader: UserInfo = { username: 'system:serviceaccount:demo:reader', groups: ['system:serviceaccounts', 'system:serviceaccounts:demo', 'system:authenticated'] };
const bob: UserInfo = { username: 'bob', groups: ['devs', 'system:authenticated'] };

function ask(user: UserInfo, verb: string, resource: string, namespace?: string, name?: string): Attributes {
  return { user, verb, resourceRequest: true, path: '', apiGroup: '', resource, namespace, name };
}

async function put(store: Store, plural: string, obj: KubeObject): Promise<void> {
  const ns = obj.metadata.namespace;
  await store.write('put', `${g}/${plural}`, ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name!, obj);
}

const role = (name: string, rules: PolicyRule[], namespace?: string): KubeObject => ({ metadata: { name, ...(namespace ? { namespace } : {}) }, rules }) as KubeObject;
const binding = (name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[], namespace?: string): KubeObject =>
  ({ metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: g, kind, name: roleName }, subjects }) as KubeObject;

function setup(t: ExecutionContext): Store {
  const store = new Store(tempDir(t));
  t.teardown(() => store.close());
  return store;
}

test('a RoleBinding grants its Role in its namespace only; a ServiceAccount subject without namespace is in the binding\'s', async (t) => {
  const store = setup(t);
  const rbac = new RbacAuthorizer(store);
  await put(store, 'roles', role('svc-reader', [readServices], 'demo'));
  await put(store, 'rolebindings', binding('reader', 'Role', 'svc-reader', [{ kind: 'ServiceAccount', name: 'reader' }], 'demo'));
  const d = rbac.authorize(ask(reader, 'list', 'services', 'demo'));
  t.deepEqual(d, { allowed: true, reason: 'RBAC: allowed by RoleBinding "reader/demo" of Role "svc-reader" to ServiceAccount "reader/demo"' });
  t.false(rbac.authorize(ask(reader, 'list', 'services', 'default')).allowed);
  t.false(rbac.authorize(ask(reader, 'list', 'services')).allowed, 'not across all namespaces');
  t.false(rbac.authorize(ask(reader, 'list', 'pods', 'demo')).allowed);
  t.deepEqual(rbac.authorize(ask(reader, 'delete', 'services', 'demo', 'x')), { allowed: false });
  t.false(rbac.authorize(ask({ ...reader, username: 'system:serviceaccount:other:reader' }, 'list', 'services', 'demo')).allowed);
});

test('a RoleBinding to a ClusterRole grants it in the binding\'s namespace; a ClusterRoleBinding everywhere', async (t) => {
  const store = setup(t);
  const rbac = new RbacAuthorizer(store);
  await put(store, 'clusterroles', role('svc-reader', [readServices]));
  await put(store, 'rolebindings', binding('b', 'ClusterRole', 'svc-reader', [{ kind: 'User', apiGroup: g, name: 'bob' }], 'team'));
  t.true(rbac.authorize(ask(bob, 'get', 'services', 'team', 'web')).allowed);
  t.false(rbac.authorize(ask(bob, 'get', 'services', 'demo', 'web')).allowed);
  await put(store, 'clusterrolebindings', binding('devs', 'ClusterRole', 'svc-reader', [{ kind: 'Group', apiGroup: g, name: 'devs' }]));
  t.deepEqual(rbac.authorize(ask(bob, 'list', 'services')), { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "devs" of ClusterRole "svc-reader" to Group "devs"' });
  t.true(rbac.authorize(ask(bob, 'get', 'services', 'demo', 'web')).allowed);
  t.false(rbac.authorize(ask({ username: 'carol', groups: [] }, 'list', 'services')).allowed);
});

test('the index follows the store: bindings changed or deleted take effect at once', async (t) => {
  const store = setup(t);
  await put(store, 'clusterroles', role('svc-reader', [readServices]));
  await put(store, 'clusterrolebindings', binding('x', 'ClusterRole', 'svc-reader', [{ kind: 'User', apiGroup: g, name: 'bob' }]));
  const rbac = new RbacAuthorizer(store); // built from what the store holds
  t.true(rbac.authorize(ask(bob, 'list', 'services')).allowed);
  await put(store, 'clusterrolebindings', binding('x', 'ClusterRole', 'svc-reader', [{ kind: 'User', apiGroup: g, name: 'carol' }]));
  t.false(rbac.authorize(ask(bob, 'list', 'services')).allowed, 'bob no longer a subject');
  t.true(rbac.authorize(ask({ username: 'carol', groups: [] }, 'list', 'services')).allowed);
  await store.write('del', `${g}/clusterrolebindings`, 'x', binding('x', 'ClusterRole', 'svc-reader', []));
  t.false(rbac.authorize(ask({ username: 'carol', groups: [] }, 'list', 'services')).allowed);
  // Roles are read when asked: a rule added to the role counts at once.
  await put(store, 'clusterrolebindings', binding('y', 'ClusterRole', 'svc-reader', [{ kind: 'Group', apiGroup: g, name: 'devs' }]));
  t.false(rbac.authorize(ask(bob, 'list', 'pods')).allowed);
  await put(store, 'clusterroles', role('svc-reader', [readServices, { verbs: ['list'], apiGroups: [''], resources: ['pods'] }]));
  t.true(rbac.authorize(ask(bob, 'list', 'pods')).allowed);
  rbac.close();
});

test('a binding to a missing role denies with upstream\'s RBAC reason', async (t) => {
  const store = setup(t);
  const rbac = new RbacAuthorizer(store);
  await put(store, 'rolebindings', binding('b', 'Role', 'gone', [{ kind: 'User', apiGroup: g, name: 'bob' }], 'demo'));
  t.deepEqual(rbac.authorize(ask(bob, 'list', 'pods', 'demo')), { allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found' });
  await put(store, 'clusterrolebindings', binding('c', 'ClusterRole', 'nope', [{ kind: 'Group', apiGroup: g, name: 'devs' }]));
  t.deepEqual(rbac.authorize(ask(bob, 'list', 'pods', 'demo')), {
    allowed: false,
    reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "nope" not found, role.rbac.authorization.k8s.io "gone" not found]',
  });
});

test('non-resource URLs are granted by ClusterRoleBindings', async (t) => {
  const store = setup(t);
  const rbac = new RbacAuthorizer(store);
  await put(store, 'clusterroles', role('health', [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] }]));
  await put(store, 'clusterrolebindings', binding('h', 'ClusterRole', 'health', [{ kind: 'Group', apiGroup: g, name: 'system:unauthenticated' }]));
  const anon: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  t.true(rbac.authorize({ user: anon, verb: 'get', resourceRequest: false, path: '/healthz' }).allowed);
  t.true(rbac.authorize({ user: anon, verb: 'get', resourceRequest: false, path: '/apis/apps/v1' }).allowed);
  t.false(rbac.authorize({ user: anon, verb: 'post', resourceRequest: false, path: '/healthz' }).allowed);
  t.false(rbac.authorize({ user: anon, verb: 'get', resourceRequest: false, path: '/metrics' }).allowed);
});

test('rulesFor lists the rules of every binding that applies, cluster-wide first', async (t) => {
  const store = setup(t);
  const rbac = new RbacAuthorizer(store);
  await put(store, 'clusterroles', role('health', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]));
  await put(store, 'clusterrolebindings', binding('h', 'ClusterRole', 'health', [{ kind: 'Group', apiGroup: g, name: 'system:authenticated' }]));
  await put(store, 'roles', role('svc-reader', [readServices], 'demo'));
  await put(store, 'rolebindings', binding('r', 'Role', 'svc-reader', [{ kind: 'ServiceAccount', name: 'reader', namespace: 'demo' }], 'demo'));
  t.deepEqual(rbac.rulesFor(reader, 'demo'), { rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }, readServices], incomplete: false, errors: [] });
  t.deepEqual(rbac.rulesFor(reader, 'default').rules, [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]);
});

test('--authorization-mode: system:masters is allowed everything before RBAC is asked; unknown modes are refused', (t) => {
  const store = setup(t);
  const rbac = authorizerFor('RBAC', store);
  t.true(rbac.authorize(ask({ username: 'admin', groups: ['system:masters'] }, 'delete', 'nodes', undefined, 'n1')).allowed);
  t.false(rbac.authorize(ask(bob, 'delete', 'nodes', undefined, 'n1')).allowed);
  t.true(authorizerFor('AlwaysAllow', store).authorize(ask(bob, 'delete', 'nodes')).allowed);
  t.false(authorizerFor('AlwaysDeny', store).authorize(ask(bob, 'get', 'nodes')).allowed);
  t.throws(() => authorizerFor('Node,Webhook', store), { message: /authorization mode "Webhook" is not supported/ });
  t.throws(() => authorizerFor('', store), { message: /at least one authorization mode/ });
});
