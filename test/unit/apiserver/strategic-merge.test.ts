import test from 'ava';
import { ApiError } from '../../../src/api/errors.js';
import { strategicMergePatch } from '../../../src/apiserver/strategic-merge.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          { name: 'app', image: 'web:1', ports: [{ containerPort: 9999, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
          { name: 'side', image: 'side:1' },
        ],
        tolerations: [{ key: 'x', operator: 'Exists' }],
      },
    },
  },
});

const service = () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'svc' },
  spec: {
    clusterIP: '10.96.0.50',
    ports: [
      { name: 'a', port: 17, protocol: 'TCP', targetPort: 7777 },
      { name: 'b', port: 18, protocol: 'TCP', targetPort: 7778 },
    ],
  },
});

test('the patch kubectl apply sends for an added container port adds it and keeps the server-filled protocol of the other', (t) => {
  const patch = {
    spec: {
      replicas: 3,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'app' }, { name: 'side' }],
          containers: [{ '$setElementOrder/ports': [{ containerPort: 9999 }, { containerPort: 8080 }], name: 'app', ports: [{ containerPort: 8080, name: 'web' }] }],
        },
      },
    },
  };
  const out = strategicMergePatch(deployment(), patch, 'Deployment') as ReturnType<typeof deployment>;
  t.is(out.spec.replicas, 3);
  t.deepEqual(out.spec.template.spec.containers[0]!.ports, [{ containerPort: 9999, protocol: 'TCP' }, { containerPort: 8080, name: 'web' }]);
  t.is(out.spec.template.spec.containers[0]!.image, 'web:1', 'fields the patch does not name stay');
  t.deepEqual(out.spec.template.spec.containers.map((c) => c.name), ['app', 'side']);
});

test('Service ports merge by port: $patch delete removes one, a new one is added, $setElementOrder orders them', (t) => {
  const patch = {
    spec: {
      '$setElementOrder/ports': [{ port: 80 }, { port: 18 }],
      ports: [{ $patch: 'delete', port: 17 }, { name: 'http', port: 80, targetPort: 7777 }, { port: 18, targetPort: 9000 }],
    },
  };
  const out = strategicMergePatch(service(), patch, 'Service') as ReturnType<typeof service>;
  t.deepEqual(out.spec.ports, [
    { name: 'http', port: 80, targetPort: 7777 },
    { name: 'b', port: 18, protocol: 'TCP', targetPort: 9000 },
  ]);
  t.is(out.spec.clusterIP, '10.96.0.50');
});

test('an element only on the server stays just before the listed element it preceded there', (t) => {
  const live = { metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }, { name: 'injected' }, { name: 'b' }] } };
  const patch = { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }, { name: 'b' }], containers: [{ name: 'a', image: 'x' }, { name: 'c' }] } };
  const out = strategicMergePatch(live, patch, 'Pod') as { spec: { containers: { name: string; image?: string }[] } };
  t.deepEqual(out.spec.containers, [{ name: 'a', image: 'x' }, { name: 'c' }, { name: 'injected' }, { name: 'b' }]);
});

test('env merges by name, null deletes a field, and lists without a merge key are replaced', (t) => {
  const patch = {
    metadata: { labels: { app: null, tier: 'front' } },
    spec: {
      template: {
        spec: {
          containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }],
          tolerations: [{ key: 'y', operator: 'Exists' }],
        },
      },
    },
  };
  const out = strategicMergePatch(deployment(), patch, 'Deployment') as ReturnType<typeof deployment> & { metadata: { labels: Record<string, string> } };
  t.deepEqual(out.metadata.labels, { tier: 'front' });
  t.deepEqual(out.spec.template.spec.containers[0]!.env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
  t.deepEqual(out.spec.template.spec.tolerations, [{ key: 'y', operator: 'Exists' }]);
});

test('$patch replace swaps a whole map or list, $patch delete empties a map, $retainKeys drops what it does not list', (t) => {
  const replaced = strategicMergePatch(deployment(), { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o:1' }] } } } }, 'Deployment') as ReturnType<typeof deployment>;
  t.deepEqual(replaced.spec.template.spec.containers, [{ name: 'only', image: 'o:1' }] as never);
  const map = strategicMergePatch(deployment(), { metadata: { labels: { $patch: 'replace', only: 'this' } } }, 'Deployment') as { metadata: { labels: unknown } };
  t.deepEqual(map.metadata.labels, { only: 'this' });
  const emptied = strategicMergePatch(deployment(), { metadata: { labels: { $patch: 'delete' } } }, 'Deployment') as { metadata: { labels: unknown } };
  t.deepEqual(emptied.metadata.labels, {});
  const recreate = strategicMergePatch(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, 'Deployment') as ReturnType<typeof deployment>;
  t.deepEqual(recreate.spec.strategy, { type: 'Recreate' } as never);
});

test('finalizers merge as a set and $deleteFromPrimitiveList removes values', (t) => {
  const added = strategicMergePatch(deployment(), { metadata: { finalizers: ['b', 'a'] } }, 'Deployment') as { metadata: { finalizers: string[] } };
  t.deepEqual(added.metadata.finalizers, ['a', 'b']);
  const removed = strategicMergePatch(added, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, 'Deployment') as { metadata: { finalizers: string[] } };
  t.deepEqual(removed.metadata.finalizers, ['b']);
});

test('a merge-keyed element without its key and an unknown directive are refused with 400', (t) => {
  const noKey = t.throws(() => strategicMergePatch(service(), { spec: { ports: [{ targetPort: 1 }] } }, 'Service'));
  t.true(noKey instanceof ApiError && noKey.code === 400 && /does not contain declared merge key: port/.test(noKey.message));
  const bad = t.throws(() => strategicMergePatch(service(), { spec: { $patch: 'explode' } }, 'Service'));
  t.true(bad instanceof ApiError && bad.code === 400);
});

test('the original object is left untouched', (t) => {
  const live = service();
  strategicMergePatch(live, { spec: { ports: [{ port: 17, targetPort: 1 }] } }, 'Service');
  t.deepEqual(live, service());
});
