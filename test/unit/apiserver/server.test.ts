import test from 'ava';
import http from 'node:http';
import { types } from '../../../src/api/resources.js';
import type { Node, WatchEvent } from '../../../src/api/types.js';
import { poll } from '../../../src/util/poll.js';
import { startApiServer } from '../../helpers/apiserver.js';

async function rawRequest(url: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; body: any }> {
  const res = await fetch(url + path, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': contentType } });
  const text = await res.text();
  return { code: res.status, body: text ? JSON.parse(text) : undefined };
}

const node = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, spec: { podCIDR: '10.244.1.0/24' } });

test('objects get uid, creationTimestamp and resourceVersion, and come back from get and list', async (t) => {
  const s = await startApiServer(t);
  const created = await s.client.create<Node>(types.nodes, node('n1'));
  t.regex(created.metadata.uid!, /^[0-9a-f-]{36}$/);
  t.regex(created.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is(created.apiVersion, 'v1');
  t.is(created.kind, 'Node');
  t.deepEqual(created.spec?.podCIDRs, ['10.244.1.0/24']);
  t.deepEqual(await s.client.get(types.nodes, 'n1'), created);
  const list = await s.client.list(types.nodes);
  t.is(list.kind, 'NodeList');
  t.deepEqual(list.items.map((n) => n.metadata.name), ['n1']);
});

test('lists filter by label selector and field selector', async (t) => {
  const s = await startApiServer(t);
  await s.client.create(types.nodes, node('a', { zone: 'z1', gpu: 'yes' }));
  await s.client.create(types.nodes, node('b', { zone: 'z2' }));
  await s.client.create(types.nodes, node('c', { zone: 'z1' }));
  const names = async (q: { labelSelector?: string; fieldSelector?: string }) => (await s.client.list(types.nodes, undefined, q)).items.map((n) => n.metadata.name);
  t.deepEqual(await names({ labelSelector: 'zone=z1' }), ['a', 'c']);
  t.deepEqual(await names({ labelSelector: 'zone=z1,!gpu' }), ['c']);
  t.deepEqual(await names({ labelSelector: 'zone in (z2,z3)' }), ['b']);
  t.deepEqual(await names({ fieldSelector: 'metadata.name!=a' }), ['b', 'c']);
  const bad = await rawRequest(s.url, 'GET', '/api/v1/nodes?labelSelector=' + encodeURIComponent('a b c'));
  t.is(bad.code, 400);
  t.is(bad.body.reason, 'BadRequest');
});

test('missing, duplicate and stale writes get Kubernetes Status errors', async (t) => {
  const s = await startApiServer(t);
  const missing = await rawRequest(s.url, 'GET', '/api/v1/nodes/nope');
  t.is(missing.code, 404);
  t.like(missing.body, { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'nodes "nope" not found', code: 404 });

  const first = await s.client.create<Node>(types.nodes, node('n1'));
  const dup = await rawRequest(s.url, 'POST', '/api/v1/nodes', node('n1'));
  t.is(dup.code, 409);
  t.like(dup.body, { reason: 'AlreadyExists', message: 'nodes "n1" already exists' });

  await s.client.update(types.nodes, { ...first, metadata: { ...first.metadata, labels: { x: '1' } } });
  const stale = await rawRequest(s.url, 'PUT', '/api/v1/nodes/n1', { ...first, metadata: { ...first.metadata, labels: { x: '2' } } });
  t.is(stale.code, 409);
  t.like(stale.body, {
    reason: 'Conflict',
    message: 'Operation cannot be fulfilled on nodes "n1": the object has been modified; please apply your changes to the latest version and try again',
  });
  t.deepEqual((await s.client.get<Node>(types.nodes, 'n1')).metadata.labels, { x: '1' });

  const lease = await rawRequest(s.url, 'GET', '/apis/coordination.k8s.io/v1/namespaces/default/leases/x');
  t.is(lease.body.message, 'leases.coordination.k8s.io "x" not found');
});

test('invalid objects are refused with 422, field causes, and nothing stored', async (t) => {
  const s = await startApiServer(t);
  const rvBefore = s.store.resourceVersion;
  const r = await rawRequest(s.url, 'POST', '/api/v1/namespaces', { metadata: { name: 'Bad_Name', labels: { 'bad key!': 'v' } } });
  t.is(r.code, 422);
  t.is(r.body.reason, 'Invalid');
  t.is(r.body.details.kind, 'Namespace');
  t.deepEqual(r.body.details.causes.map((c: { field: string; reason: string }) => [c.field, c.reason]), [
    ['metadata.name', 'FieldValueInvalid'],
    ['metadata.labels', 'FieldValueInvalid'],
  ]);
  t.true(r.body.message.startsWith('Namespace "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of'));
  t.is(s.store.resourceVersion, rvBefore);
  t.is((await rawRequest(s.url, 'GET', '/api/v1/namespaces/Bad_Name')).code, 404);
});

test('merge patch and JSON patch change objects; the status subresource leaves spec alone', async (t) => {
  const s = await startApiServer(t);
  await s.client.create(types.nodes, node('n1', { a: '1', b: '2' }));
  const merged = await rawRequest(s.url, 'PATCH', '/api/v1/nodes/n1', { metadata: { labels: { a: null, c: '3' } } }, 'application/merge-patch+json');
  t.deepEqual(merged.body.metadata.labels, { b: '2', c: '3' });
  const jp = await rawRequest(s.url, 'PATCH', '/api/v1/nodes/n1', [{ op: 'add', path: '/metadata/labels/d', value: '4' }], 'application/json-patch+json');
  t.deepEqual(jp.body.metadata.labels, { b: '2', c: '3', d: '4' });
  const st = await rawRequest(s.url, 'PATCH', '/api/v1/nodes/n1/status', { spec: { unschedulable: true }, status: { capacity: { pods: '110' } } }, 'application/merge-patch+json');
  t.deepEqual(st.body.status.capacity, { pods: '110' });
  t.is(st.body.spec.unschedulable, undefined);
  const unsupported = await rawRequest(s.url, 'PATCH', '/api/v1/nodes/n1', {}, 'text/plain');
  t.is(unsupported.code, 415);
});

test('objects cannot be created in a namespace that does not exist', async (t) => {
  const s = await startApiServer(t);
  const r = await rawRequest(s.url, 'POST', '/api/v1/namespaces/nope/events', { metadata: { name: 'e' }, involvedObject: { kind: 'Node', name: 'n1' } });
  t.is(r.code, 404);
  t.is(r.body.message, 'namespaces "nope" not found');
});

test('deleting a namespace removes what it holds, then the namespace; system namespaces stay', async (t) => {
  const s = await startApiServer(t);
  await s.client.create(types.namespaces, { metadata: { name: 'team' } });
  await s.client.create(types.events, { metadata: { name: 'e1' }, involvedObject: { kind: 'Node', name: 'n1' } } as never, 'team');
  const deleting = await rawRequest(s.url, 'DELETE', '/api/v1/namespaces/team');
  t.is(deleting.code, 200);
  t.is(deleting.body.status.phase, 'Terminating');
  await poll(async () => (await rawRequest(s.url, 'GET', '/api/v1/namespaces/team')).code === 404, { timeoutMs: 2000, everyMs: 20 });
  t.is((await rawRequest(s.url, 'GET', '/api/v1/namespaces/team')).code, 404);
  t.is((await rawRequest(s.url, 'GET', '/api/v1/namespaces/team/events/e1')).code, 404);
  const def = await rawRequest(s.url, 'DELETE', '/api/v1/namespaces/default');
  t.is(def.code, 403);
  t.is(def.body.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
});

function watchLines(url: string, path: string, count: number): Promise<WatchEvent[]> {
  return new Promise((resolve, reject) => {
    const events: WatchEvent[] = [];
    const req = http.get(url + path, (res) => {
      let buf = '';
      res.on('data', (chunk) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
          if (events.length === count) {
            req.destroy();
            resolve(events);
          }
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) => (events.length >= count ? undefined : reject(e)));
  });
}

test('a watch streams events after its resourceVersion, as selected', async (t) => {
  const s = await startApiServer(t);
  const a = await s.client.create(types.nodes, node('a', { role: 'web' }));
  const watching = watchLines(s.url, `/api/v1/nodes?watch=true&labelSelector=role%3Dweb&resourceVersion=${a.metadata.resourceVersion}`, 4);
  await new Promise((r) => setTimeout(r, 50));
  await s.client.create(types.nodes, node('b', { role: 'db' })); // not selected
  await s.client.create(types.nodes, node('c', { role: 'web' }));
  await s.client.patch(types.nodes, 'c', { metadata: { labels: { role: 'db' } } }); // leaves the selection
  await s.client.patch(types.nodes, 'a', { metadata: { labels: { extra: '1' } } });
  await s.client.delete(types.nodes, 'a');
  const events = await watching;
  t.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [
    ['ADDED', 'c'],
    ['DELETED', 'c'],
    ['MODIFIED', 'a'],
    ['DELETED', 'a'],
  ]);
});

test('a watch without resourceVersion starts with the current objects', async (t) => {
  const s = await startApiServer(t);
  await s.client.create(types.nodes, node('a'));
  const events = await watchLines(s.url, '/api/v1/nodes?watch=1', 1);
  t.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a']]);
});

test('a watch from a compacted resourceVersion gets a 410 Expired ERROR event', async (t) => {
  const s = await startApiServer(t, { historySize: 2 });
  for (let i = 0; i < 8; i++) await s.client.create(types.nodes, node(`n${i}`));
  const events = await watchLines(s.url, '/api/v1/nodes?watch=true&resourceVersion=2', 1);
  t.is(events[0]!.type, 'ERROR');
  t.like(events[0]!.object as object, { kind: 'Status', code: 410, reason: 'Expired' });
});

test('a watch or list from an invalid resourceVersion is a 400 with the storage layer\'s words (finding 6)', async (t) => {
  const s = await startApiServer(t);
  for (const path of ['/api/v1/nodes?watch=true&resourceVersion=zzz', '/api/v1/nodes?resourceVersion=zzz', '/api/v1/namespaces/default/pods?watch=1&resourceVersion=-1']) {
    const r = await rawRequest(s.url, 'GET', path);
    t.is(r.code, 400, path);
    t.like(r.body, { kind: 'Status', reason: 'BadRequest' });
  }
  t.is((await rawRequest(s.url, 'GET', '/api/v1/nodes?watch=true&resourceVersion=zzz')).body.message, 'resourceVersion: Invalid value: "zzz": strconv.ParseUint: parsing "zzz": invalid syntax');
  t.is(
    (await rawRequest(s.url, 'GET', '/api/v1/nodes?resourceVersion=18446744073709551616')).body.message,
    'resourceVersion: Invalid value: "18446744073709551616": strconv.ParseUint: parsing "18446744073709551616": value out of range',
  );
});

test('integer query parameters are parsed as the parameter codec does: junk is a 400, a negative watch timeout ends at once', async (t) => {
  const s = await startApiServer(t);
  const bad = await rawRequest(s.url, 'GET', '/api/v1/nodes?watch=true&timeoutSeconds=1e99');
  t.deepEqual([bad.code, bad.body.message], [400, 'strconv.ParseInt: parsing "1e99": invalid syntax']);
  t.is((await rawRequest(s.url, 'DELETE', '/api/v1/namespaces/default/pods/x?gracePeriodSeconds=abc')).code, 400);
  t.deepEqual(await watchLines(s.url, '/api/v1/nodes?watch=true&resourceVersion=1&timeoutSeconds=-5', 1), []);
});

test('a watch from a resourceVersion the store has not reached ends with the watch cache\'s Too large resource version', async (t) => {
  const s = await startApiServer(t);
  const future = s.store.resourceVersion + 1000;
  const started = Date.now();
  const events = await watchLines(s.url, `/api/v1/nodes?watch=true&resourceVersion=${future}`, 1);
  t.true(Date.now() - started >= 2900, 'it waits blockTimeout (3 s) first, as the watch cache does');
  t.is(events[0]!.type, 'ERROR');
  t.deepEqual(events[0]!.object as unknown, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Timeout: Too large resource version: ${future}, current: ${s.store.resourceVersion}`,
    reason: 'Timeout',
    details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
    code: 504,
  });
  const list = await rawRequest(s.url, 'GET', `/api/v1/nodes?resourceVersion=${future}`);
  t.is(list.code, 504);
  t.like(list.body, { reason: 'Timeout', details: { retryAfterSeconds: 1 } });
});

test('a watch from a resourceVersion reached within the wait streams what comes after it', async (t) => {
  const s = await startApiServer(t);
  const next = s.store.resourceVersion + 2;
  const watching = watchLines(s.url, `/api/v1/nodes?watch=true&resourceVersion=${next}`, 1);
  await new Promise((r) => setTimeout(r, 50));
  for (const n of ['one', 'two', 'three']) await s.client.create(types.nodes, node(n));
  const events = await watching;
  t.deepEqual(events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'three']]);
});

test('discovery lists the served resources with short names; /version answers', async (t) => {
  const s = await startApiServer(t);
  const core = await rawRequest(s.url, 'GET', '/api/v1');
  const nodes = core.body.resources.find((r: { name: string }) => r.name === 'nodes');
  t.like(nodes, { kind: 'Node', namespaced: false, shortNames: ['no'] });
  t.truthy(core.body.resources.find((r: { name: string }) => r.name === 'nodes/status'));
  const groups = await rawRequest(s.url, 'GET', '/apis');
  t.true(groups.body.groups.some((g: { name: string }) => g.name === 'coordination.k8s.io'));
  const version = await rawRequest(s.url, 'GET', '/version');
  t.like(version.body, { major: '1', minor: '32' });
  t.is((await rawRequest(s.url, 'GET', '/api/v1/nosuchthings')).code, 404);
});
