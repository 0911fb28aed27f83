import test from 'ava';
import { startApiServer } from '../../helpers/apiserver.js';

const deployment = (container: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }] } } },
});

test('fieldValidation=Strict refuses unknown fields with their paths and stores nothing', async (t) => {
  const s = await startApiServer(t);
  const r = await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...deployment({ imagee: 'x' }), extra: 1 }),
  });
  t.is(r.status, 400);
  t.is(
    ((await r.json()) as { message: string }).message,
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "extra"',
  );
  t.is(s.store.list('apps/deployments').length, 0);
});

test('by default unknown fields are dropped with a Warning header; fields upstream has that the lab does not describe are kept', async (t) => {
  const s = await startApiServer(t);
  const r = await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(deployment({ imagee: 'x', resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] })),
  });
  t.is(r.status, 201);
  t.is(r.headers.get('warning'), '299 - "unknown field \\"spec.template.spec.containers[0].imagee\\""');
  const stored = s.store.list('apps/deployments')[0] as any;
  const c = stored.spec.template.spec.containers[0];
  t.false('imagee' in c);
  t.deepEqual(c.resizePolicy, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]);
});

test('values of the wrong JSON type are a 400 in Go words, never a 500, and nothing is stored', async (t) => {
  const s = await startApiServer(t);
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { code: r.status, message: ((await r.json()) as { message: string }).message };
  };
  t.deepEqual(await post('/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: 'bad' }), {
    code: 400,
    message: 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec',
  });
  t.deepEqual(await post('/apis/apps/v1/namespaces/default/deployments', deployment({ image: 7 })), {
    code: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string',
  });
  t.deepEqual(await post('/api/v1/namespaces/default/services', { metadata: { name: 's', labels: { a: 1 } }, spec: { ports: [{ port: 1.5 }] } }), {
    code: 400,
    message: 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
  });
  t.is(s.store.list('core/pods').length + s.store.list('apps/deployments').length + s.store.list('core/services').length, 0);
});

test('duplicate fields: Strict refuses them with their paths, Warn answers a Warning per field, Ignore keeps the last value', async (t) => {
  const s = await startApiServer(t);
  const body = '{"metadata":{"name":"dup","labels":{"a":"1","a":"2"}},"data":{"k":"first"},"data":{"k":"last"}}';
  const post = (query: string) => fetch(`${s.url}/api/v1/namespaces/default/configmaps${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  const strict = await post('?fieldValidation=Strict');
  t.is(strict.status, 400);
  t.is(
    ((await strict.json()) as { message: string }).message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.labels.a", duplicate field "data"',
  );
  t.is(s.store.list('core/configmaps', 'default').length, 0);
  const mixed = await fetch(`${s.url}/api/v1/namespaces/default/configmaps?fieldValidation=Strict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"metadata":{"name":"m"},"data":{},"extra":1,"data":{},"more":2}',
  });
  t.is(
    ((await mixed.json()) as { message: string }).message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra", duplicate field "data", unknown field "more"',
    'in document order, as Go meets them',
  );
  const warned = await post('');
  t.is(warned.status, 201);
  t.is(warned.headers.get('warning'), '299 - "duplicate field \\"metadata.labels.a\\"", 299 - "duplicate field \\"data\\""');
  t.deepEqual((s.store.get('core/configmaps', 'default/dup') as unknown as { data: unknown }).data, { k: 'last' });
  await fetch(`${s.url}/api/v1/namespaces/default/configmaps/dup`, { method: 'DELETE' });
  const ignored = await post('?fieldValidation=Ignore');
  t.is(ignored.status, 201);
  t.is(ignored.headers.get('warning'), null);
});

test('patches under fieldValidation=Strict: unknown and duplicate fields are upstream 422s on the field "patch"; Warn warns', async (t) => {
  const s = await startApiServer(t);
  await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(deployment({})) });
  const patch = (query: string, body: string, type = 'application/merge-patch+json') =>
    fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments/web${query}`, { method: 'PATCH', headers: { 'Content-Type': type }, body });
  const unknown = await patch('?fieldValidation=Strict', '{"spec":{"replicaz":3}}');
  t.is(unknown.status, 422);
  t.regex(((await unknown.json()) as { message: string }).message, /^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec.replicaz"$/);
  const dup = await patch('?fieldValidation=Strict', '{"spec":{"replicas":3,"replicas":4}}', 'application/strategic-merge-patch+json');
  t.is(dup.status, 422);
  t.is(((await dup.json()) as { message: string }).message, ' "" is invalid: patch: Invalid value: "map[spec:map[replicas:4]]": strict decoding error: duplicate field "spec.replicas"');
  t.is((s.store.get('apps/deployments', 'default/web') as unknown as { spec: { replicas: number } }).spec.replicas, 1);
  const warned = await patch('', '{"spec":{"replicaz":3}}');
  t.is(warned.status, 200);
  t.is(warned.headers.get('warning'), '299 - "unknown field \\"spec.replicaz\\""');
});
