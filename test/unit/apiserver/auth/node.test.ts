import test from 'ava';
import { NodeAuthorizer, nodeOf, podReferences } from '../../../../src/apiserver/auth/node.js';
import type { Attributes, UserInfo } from '../../../../src/apiserver/auth/user.js';
import { Store } from '../../../../src/apiserver/store.js';
import type { Pod } from '../../../../src/api/types.js';
import { tempDir } from '../../../helpers/tmp.js';

const node1: UserInfo = { username: 'system:node:node1', groups: ['system:nodes', 'system:authenticated'] };
const ask = (user: UserInfo, verb: string, resource: string, namespace?: string, name?: string, subresource?: string): Attributes => ({ user, verb, resourceRequest: true, path: '', apiGroup: '', resource, namespace, name, subresource });

const pod = {
  metadata: { name: 'p', namespace: 'demo' },
  spec: {
    nodeName: 'node1',
    serviceAccountName: 'runner',
    imagePullSecrets: [{ name: 'pull' }],
    initContainers: [{ name: 'i', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'init-cfg', key: 'a' } } }] }],
    containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'env-sec' } }, { configMapRef: { name: 'env-cfg' } }] }],
    volumes: [{ name: 'v1', secret: { secretName: 'vol-sec' } }, { name: 'v2', projected: { sources: [{ configMap: { name: 'proj-cfg' } }] } }, { name: 'v3', persistentVolumeClaim: { claimName: 'data' } }],
  },
} as unknown as Pod;

test('a node is system:node:NAME in the group system:nodes', (t) => {
  t.is(nodeOf(node1), 'node1');
  t.is(nodeOf({ username: 'system:node:node1', groups: [] }), undefined);
  t.is(nodeOf({ username: 'bob', groups: ['system:nodes'] }), undefined);
});

test('what a pod uses: pull secrets, env, envFrom, volumes and projected sources, its ServiceAccount', (t) => {
  t.deepEqual(podReferences(pod, 'secrets').sort(), ['env-sec', 'pull', 'vol-sec']);
  t.deepEqual(podReferences(pod, 'configmaps').sort(), ['env-cfg', 'init-cfg', 'proj-cfg']);
  t.deepEqual(podReferences(pod, 'persistentvolumeclaims'), ['data']);
  t.deepEqual(podReferences(pod, 'serviceaccounts'), ['runner']);
});

test('a node gets the objects its pods use and nothing else; other requests follow the system:node rules; other users get no opinion', async (t) => {
  const store = new Store(tempDir(t));
  t.teardown(() => store.close());
  await store.write('put', 'core/pods', 'demo/p', pod);
  const node = new NodeAuthorizer(store);
  t.true(node.authorize(ask(node1, 'get', 'secrets', 'demo', 'vol-sec')).allowed);
  t.true(node.authorize(ask(node1, 'get', 'configmaps', 'demo', 'proj-cfg')).allowed);
  t.true(node.authorize(ask(node1, 'create', 'serviceaccounts', 'demo', 'runner', 'token')).allowed);
  t.deepEqual(node.authorize(ask(node1, 'get', 'secrets', 'demo', 'unused')), { allowed: false, reason: "no relationship found between node 'node1' and this object" });
  t.deepEqual(node.authorize(ask(node1, 'list', 'secrets', 'demo')), { allowed: false, reason: 'can only get individual resources of this type' });
  t.false(node.authorize(ask({ ...node1, username: 'system:node:node2' }, 'get', 'secrets', 'demo', 'vol-sec')).allowed, 'not a pod of node2');
  t.true(node.authorize(ask(node1, 'patch', 'pods', 'demo', 'p', 'status')).allowed);
  t.true(node.authorize(ask(node1, 'create', 'nodes')).allowed);
  t.false(node.authorize(ask(node1, 'create', 'deployments', 'demo')).allowed);
  t.deepEqual(node.authorize(ask({ username: 'bob', groups: [] }, 'get', 'secrets', 'demo', 'vol-sec')), { allowed: false });
  t.like(node.rulesFor(node1), { incomplete: true });
});
