import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { ClusterRole, PolicyRule } from '../../../src/api/types.js';
import { Informer } from '../../../src/client/informer.js';
import { startClusterRoleAggregation } from '../../../src/controllers/clusterrole-aggregation.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { DrainingClient, waitFor } from './fake-cluster.js';

const widgets: PolicyRule = { verbs: ['get', 'list', 'watch'], apiGroups: ['example.com'], resources: ['widgets'] };
const has = (role: ClusterRole | undefined, rule: PolicyRule): boolean => (role?.rules ?? []).some((r) => JSON.stringify(r) === JSON.stringify(rule));

test('a role labelled aggregate-to-view joins view, and through it edit and admin; unlabelled, it leaves them', async (t) => {
  const s = await startApiServer(t);
  const client = new DrainingClient({ server: s.url, timeoutMs: 5000 });
  t.teardown(async () => {
    await client.drain();
    client.close();
  });
  const roles = new Informer<ClusterRole>(client, types.clusterroles).start();
  t.teardown(() => roles.stop());
  await roles.synced;
  t.teardown(startClusterRoleAggregation(client, roles));
  const get = (name: string) => s.client.get<ClusterRole>(types.clusterroles, name);
  await s.client.create(types.clusterroles, { metadata: { name: 'widget-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [widgets] });
  for (const name of ['view', 'edit', 'admin']) await waitFor(`${name} has the widget rule`, async () => has(await get(name), widgets), 5000);
  t.false(has(await get('cluster-admin'), widgets), 'not aggregated');
  await s.client.patch(types.clusterroles, 'widget-viewer', { metadata: { labels: { 'rbac.authorization.k8s.io/aggregate-to-view': null } } });
  for (const name of ['view', 'edit', 'admin']) await waitFor(`${name} without the widget rule`, async () => !has(await get(name), widgets), 5000);
  t.true((await get('view')).rules!.some((r) => r.resources?.includes('pods')), 'view keeps the rules of its bootstrap parts');
});
