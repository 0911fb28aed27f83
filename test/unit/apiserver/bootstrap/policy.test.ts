import test from 'ava';
import { types } from '../../../../src/api/resources.js';
import type { ClusterRole, RoleBinding } from '../../../../src/api/types.js';
import { startApiServer } from '../../../helpers/apiserver.js';

test('an API server starts with the default roles: the controllers', async (t) => {
  const s = await startApiServer(t);
  const role = await s.client.get<ClusterRole>(types.clusterroles, 'system:controller:endpoint-controller');
  t.deepEqual(role.metadata.labels, { 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  t.deepEqual(role.metadata.annotations, { 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
  t.deepEqual(role.rules, [
    { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'services'] },
    { verbs: ['create', 'delete', 'get', 'list', 'update', 'watch'], apiGroups: [''], resources: ['endpoints'] },
    { verbs: ['create'], apiGroups: [''], resources: ['endpoints/restricted'] },
    { verbs: ['create', 'patch', 'update'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  ]);
  const binding = await s.client.get<RoleBinding>(types.clusterrolebindings, 'system:controller:service-controller');
  t.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:controller:service-controller' });
  t.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'service-controller', namespace: 'kube-system' }]);
});

test('cluster-admin, and admin/edit/view aggregated: view ⊂ edit ⊂ admin', async (t) => {
  const s = await startApiServer(t);
  const get = (name: string) => s.client.get<ClusterRole>(types.clusterroles, name);
  t.deepEqual((await get('cluster-admin')).rules, [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    { verbs: ['*'], nonResourceURLs: ['*'] },
  ]);
  const [admin, edit, view] = await Promise.all([get('admin'), get('edit'), get('view')]);
  const has = (outer: ClusterRole, inner: ClusterRole) => inner.rules!.every((r) => outer.rules!.some((o) => JSON.stringify(o) === JSON.stringify(r)));
  t.true(view.rules!.length > 5);
  t.true(has(edit, view) && has(admin, edit));
  t.true(edit.rules!.length > view.rules!.length && admin.rules!.length > edit.rules!.length);
  t.true(view.rules!.some((r) => r.resources?.includes('pods') && !r.verbs.includes('create')));
  t.false(view.rules!.some((r) => r.resources?.includes('secrets')), 'view does not read secrets');
  // A role a user changed stays as the user left it across restarts.
  await s.client.patch(types.clusterroles, 'view', { metadata: { labels: { mine: 'yes' } } });
  s.stop();
  const again = await startApiServer(t, { dir: s.dir });
  t.is((await again.client.get<ClusterRole>(types.clusterroles, 'view')).metadata.labels?.mine, 'yes');
});
