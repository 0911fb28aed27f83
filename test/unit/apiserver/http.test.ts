// Request bodies are limited while read and while decoded (issue 16, finding 3), and may be YAML.
import test from 'ava';
import { maxNestingDepth } from '../../../src/api/json-scan.js';
import { maxBody } from '../../../src/apiserver/http.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { encodeBody } from '../../helpers/protobuf.js';

interface Answer {
  code: number;
  body: { message?: string; reason?: string; kind?: string; metadata?: { name?: string } };
  warning: string | null;
}

async function call(url: string, method: string, path: string, body: string | Buffer, contentType = 'application/json'): Promise<Answer> {
  const r = await fetch(`${url}${path}`, { method, headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  return { code: r.status, body: (await r.json()) as Answer['body'], warning: r.headers.get('warning') };
}

const deepService = (name: string, depth: number) =>
  `{"apiVersion":"v1","kind":"Service","metadata":{"name":"${name}"},"spec":{"ports":[{"port":80}],"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

test('a Service with 20,000 nested arrays is a 400 in upstream words, the server stays up, nothing is stored', async (t) => {
  const s = await startApiServer(t);
  for (let i = 0; i < 3; i++) {
    const r = await call(s.url, 'POST', '/api/v1/namespaces/default/services', deepService('deep', 20_000));
    t.is(r.code, 400);
    t.is(r.body.reason, 'BadRequest');
    t.is(
      r.body.message,
      `the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: invalid character '[' exceeded max depth ({"apiVersion":"v1","kind":"Ser ...)`,
    );
  }
  t.is((await fetch(`${s.url}/healthz`)).status, 200);
  t.is(s.store.list('core/services', 'default').length, 0);
});

test('3,000 nested arrays are refused too: nothing of them is stored, not even where fields are kept as sent', async (t) => {
  const s = await startApiServer(t);
  t.is((await call(s.url, 'POST', '/api/v1/namespaces/default/services', deepService('three', 3000))).code, 400);
  // PodSpec.ephemeralContainers is kept as sent (not described), the way a crash could still be stored.
  const pod = `{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}],"ephemeralContainers":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
  t.is((await call(s.url, 'POST', '/api/v1/namespaces/default/pods', pod)).code, 400);
  const patch = `{"spec":{"ephemeralContainers":${'['.repeat(maxNestingDepth + 1)}${']'.repeat(maxNestingDepth + 1)}}}`;
  await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', '{"metadata":{"name":"cm"}}');
  const patched = await call(s.url, 'PATCH', '/api/v1/namespaces/default/configmaps/cm', patch, 'application/merge-patch+json');
  t.deepEqual([patched.code, patched.body.message], [400, "error decoding patch: invalid character '[' exceeded max depth"]);
  t.is(s.store.list('core/services', 'default').length + s.store.list('core/pods', 'default').length, 0);
});

test('nesting within the limit still works', async (t) => {
  const s = await startApiServer(t);
  const r = await call(s.url, 'POST', '/api/v1/namespaces/default/services', deepService('ok', maxNestingDepth - 10));
  t.is(r.code, 201);
  t.regex(r.warning ?? '', /unknown field \\"spec.x\\"/);
});

test('a body over 3 MiB is a 413 in upstream words, and the connection answers', async (t) => {
  const s = await startApiServer(t);
  const big = `{"metadata":{"name":"big"},"data":{"a":"${'x'.repeat(maxBody)}"}}`;
  const r = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', big);
  t.is(r.code, 413);
  t.deepEqual([r.body.reason, r.body.message], ['RequestEntityTooLarge', 'Request entity too large: limit is 3145728']);
  t.is(s.store.list('core/configmaps', 'default').length, 0);
});

test('YAML bodies (Content-Type application/yaml) create and update objects', async (t) => {
  const s = await startApiServer(t);
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  greeting: hello\n';
  const created = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', yaml, 'application/yaml');
  t.is(created.code, 201);
  const updated = await call(s.url, 'PUT', '/api/v1/namespaces/default/configmaps/from-yaml', yaml.replace('hello', 'again'), 'application/yaml');
  t.is(updated.code, 200);
  t.is((s.store.get('core/configmaps', 'default/from-yaml') as { data?: Record<string, string> }).data?.greeting, 'again');
  const flow = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', '{metadata: {name: flow}, data: {a: b}}', 'application/yaml');
  t.is(flow.code, 201, 'a flow mapping is YAML too, though it starts like JSON');
  const bad = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', 'metadata: [unclosed', 'application/yaml');
  t.is(bad.code, 400);
  t.regex(bad.body.message ?? '', /^error converting YAML to JSON: yaml: /);
  const deep = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', `metadata: {name: d}\nx: ${'['.repeat(20_000)}`, 'application/yaml');
  t.is(deep.code, 400);
});

test('duplicate keys in YAML: refused under Strict, one Warning per key otherwise, as goyaml reports them', async (t) => {
  const s = await startApiServer(t);
  const yaml = 'metadata:\n  name: dup\ndata:\n  a: "1"\n  a: "2"\n';
  const strict = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', yaml, 'application/yaml');
  t.is(strict.code, 400);
  t.is(strict.body.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 5: key "a" already set in map');
  t.is(s.store.list('core/configmaps', 'default').length, 0);
  const warned = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', yaml, 'application/yaml');
  t.is(warned.code, 201);
  t.is(warned.warning, '299 - "line 5: key \\"a\\" already set in map"');
});

test('protobuf bodies are depth-checked too, and broken ones are a 400', async (t) => {
  const s = await startApiServer(t);
  const body = encodeBody({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb' }, data: { a: 'b' } });
  t.is((await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', body, 'application/vnd.kubernetes.protobuf')).code, 201);
  const broken = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', body.subarray(0, body.length - 3), 'application/vnd.kubernetes.protobuf');
  t.is(broken.code, 400);
  const garbage = await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', Buffer.from('k8s\0\xff\xff\xff\xff\x0f', 'latin1'), 'application/vnd.kubernetes.protobuf');
  t.is(garbage.code, 400);
});

test('a JSON patch of more than 10,000 operations is a 413 in upstream words', async (t) => {
  const s = await startApiServer(t);
  await call(s.url, 'POST', '/api/v1/namespaces/default/configmaps', '{"metadata":{"name":"cm"}}');
  const ops = JSON.stringify(Array.from({ length: 10_001 }, () => ({ op: 'add', path: '/data', value: {} })));
  const r = await call(s.url, 'PATCH', '/api/v1/namespaces/default/configmaps/cm', ops, 'application/json-patch+json');
  t.deepEqual([r.code, r.body.message], [413, 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001']);
});
