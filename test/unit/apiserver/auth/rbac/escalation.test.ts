import test from 'ava';
import { ApiError } from '../../../../../src/api/errors.js';
import { types } from '../../../../../src/api/resources.js';
import type { PolicyRule } from '../../../../../src/api/types.js';
import { breakdown, uncovered } from '../../../../../src/apiserver/auth/rbac/escalation.js';
import { ApiClient } from '../../../../../src/client/client.js';
import { startApiServer } from '../../../../helpers/apiserver.js';

const r = (verbs: string, groups: string, resources: string, names?: string): PolicyRule => ({
  verbs: verbs.split(' '),
  apiGroups: groups.split(' ').map((g) => (g === 'core' ? '' : g)),
  resources: resources.split(' '),
  ...(names ? { resourceNames: names.split(' ') } : {}),
});

test('a rule breaks down into one rule per verb, group, resource and name', (t) => {
  t.is(breakdown(r('get list', 'core apps', 'pods services')).length, 8);
  t.deepEqual(breakdown(r('get', 'core', 'pods', 'a b')), [r('get', 'core', 'pods', 'a'), r('get', 'core', 'pods', 'b')]);
  t.deepEqual(breakdown({ verbs: ['get'], nonResourceURLs: ['/a', '/b'] }), [{ verbs: ['get'], nonResourceURLs: ['/a'] }, { verbs: ['get'], nonResourceURLs: ['/b'] }]);
});

test('coverage: wildcards cover everything of their kind, names narrow, "*/sub" covers every resource\'s sub', (t) => {
  t.deepEqual(uncovered([r('*', '*', '*')], [r('delete', 'apps', 'deployments')]), []);
  t.deepEqual(uncovered([r('get list', 'core', 'pods')], [r('get', 'core', 'pods')]), []);
  t.deepEqual(uncovered([r('get', 'core', 'pods')], [r('get delete', 'core', 'pods')]), [r('delete', 'core', 'pods')]);
  t.deepEqual(uncovered([r('get', 'core', 'pods', 'a')], [r('get', 'core', 'pods')]), [r('get', 'core', 'pods')], 'a named grant does not cover all names');
  t.deepEqual(uncovered([r('get', 'core', 'pods')], [r('get', 'core', 'pods', 'a')]), []);
  t.deepEqual(uncovered([r('get', '*', '*/scale')], [r('get', 'apps', 'deployments/scale')]), []);
  t.deepEqual(uncovered([r('get', 'core', 'pods')], [r('get', 'core', 'pods/log')]), [r('get', 'core', 'pods/log')]);
  t.deepEqual(uncovered([{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis/apps'] }]), []);
});

test('over HTTP: a namespace admin grants what they hold, not more; `bind` and `escalate` lift the check; system:masters is exempt', async (t) => {
  const s = await startApiServer(t, { authorizationMode: 'RBAC' });
  await s.client.create(types.namespaces, { metadata: { name: 'demo' } });
  await s.client.create(types.roles, { metadata: { name: 'lead', namespace: 'demo' }, rules: [r('create update', 'rbac.authorization.k8s.io', 'roles rolebindings'), r('get list', 'core', 'pods')] }, 'demo');
  await s.client.create(types.rolebindings, { metadata: { name: 'bob-lead', namespace: 'demo' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lead' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] }, 'demo');
  const bob = new ApiClient({ server: s.url, timeoutMs: 5000, impersonate: { user: 'bob' } });
  t.teardown(() => bob.close());
  await bob.create(types.roles, { metadata: { name: 'pod-reader', namespace: 'demo' }, rules: [r('get', 'core', 'pods')] }, 'demo');
  const refused = await bob.create(types.roles, { metadata: { name: 'pod-killer', namespace: 'demo' }, rules: [r('get delete', 'core', 'pods')] }, 'demo').catch((e: unknown) => e);
  t.true(refused instanceof ApiError);
  t.like((refused as ApiError).status, {
    code: 403,
    reason: 'Forbidden',
    message: 'roles.rbac.authorization.k8s.io "pod-killer" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
  });
  t.is(s.store.get('rbac.authorization.k8s.io/roles', 'demo/pod-killer'), undefined, 'nothing stored');
  const binding = (name: string, kind: 'Role' | 'ClusterRole', role: string) => ({ metadata: { name, namespace: 'demo' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' }] });
  await bob.create(types.rolebindings, binding('carol-reads', 'Role', 'pod-reader'), 'demo');
  const admin = await bob.create(types.rolebindings, binding('carol-admin', 'ClusterRole', 'cluster-admin'), 'demo').catch((e: unknown) => e);
  t.regex((admin as ApiError).status.message, /^rolebindings\.rbac\.authorization\.k8s\.io "carol-admin" is forbidden: user "bob" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
  // The bind verb on a role lets bob grant it without holding it; escalate lets him write any rules into a role.
  await s.client.create(types.roles, { metadata: { name: 'binder', namespace: 'demo' }, rules: [r('bind', 'rbac.authorization.k8s.io', 'clusterroles', 'edit'), r('escalate', 'rbac.authorization.k8s.io', 'roles', 'pod-killer')] }, 'demo');
  await s.client.create(types.rolebindings, { metadata: { name: 'bob-binder', namespace: 'demo' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'binder' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] }, 'demo');
  await bob.create(types.rolebindings, binding('carol-edit', 'ClusterRole', 'edit'), 'demo');
  await bob.create(types.roles, { metadata: { name: 'pod-killer', namespace: 'demo' }, rules: [r('get delete', 'core', 'pods')] }, 'demo');
  await s.client.create(types.rolebindings, binding('carol-admin', 'ClusterRole', 'cluster-admin'), 'demo'); // the admin may
  t.pass();
});
