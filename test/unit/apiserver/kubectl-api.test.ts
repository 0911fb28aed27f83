import test from 'ava';
import http from 'node:http';
import { types } from '../../../src/api/resources.js';
import { tempDir } from '../../helpers/tmp.js';
import { startApiServer, type TestServer } from '../../helpers/apiserver.js';
import { encodeBody } from '../../helpers/protobuf.js';

const asTable = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

async function call(s: TestServer, method: string, path: string, opts: { body?: unknown; contentType?: string; accept?: string } = {}): Promise<{ code: number; body: any }> {
  const headers: Record<string, string> = { 'Content-Type': opts.contentType ?? 'application/json' };
  if (opts.accept) headers.Accept = opts.accept;
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const res = await fetch(s.url + path, { method, body, headers });
  const text = await res.text();
  return { code: res.status, body: text ? JSON.parse(text) : undefined };
}

const service = (name: string, ports: unknown[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, labels: { app: name } }, spec: { selector: { app: name }, ports } });

test('get with the Accept header of kubectl answers Tables for lists and single objects, plain objects otherwise', async (t) => {
  const s = await startApiServer(t);
  await call(s, 'POST', '/api/v1/namespaces/default/services', { body: service('web', [{ port: 80, targetPort: 8080 }]) });
  const list = await call(s, 'GET', '/api/v1/namespaces/default/services?limit=500', { accept: asTable });
  t.is(list.body.kind, 'Table');
  t.is(list.body.apiVersion, 'meta.k8s.io/v1');
  t.deepEqual(list.body.columnDefinitions.map((c: { name: string }) => c.name), ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  t.deepEqual(list.body.rows.map((r: { cells: unknown[] }) => r.cells[0]), ['web']);
  t.like(list.body.rows[0].object, { kind: 'PartialObjectMetadata', metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } } });
  const one = await call(s, 'GET', '/api/v1/namespaces/default/services/web', { accept: asTable });
  t.is(one.body.kind, 'Table');
  t.deepEqual(one.body.rows[0].cells.slice(1, 2), ['ClusterIP']);
  t.regex(one.body.rows[0].cells[2], /^10\.\d+\.\d+\.\d+$/, 'the allocated cluster IP');
  const plain = await call(s, 'GET', '/api/v1/namespaces/default/services/web', { accept: 'application/json' });
  t.is(plain.body.kind, 'Service');
  const missing = await call(s, 'GET', '/api/v1/namespaces/default/services/nope', { accept: asTable });
  t.is(missing.code, 404);
  t.is(missing.body.message, 'services "nope" not found');
});

test('a watch asked as Table streams one-row Tables, the columns only in the first event', async (t) => {
  const s = await startApiServer(t);
  const events: any[] = [];
  const rv = s.store.resourceVersion;
  const done = new Promise<void>((resolve, reject) => {
    const req = http.get(`${s.url}/api/v1/namespaces/default/services?watch=true&resourceVersion=${rv}`, { headers: { Accept: asTable } }, (res) => {
      let buf = '';
      res.on('error', () => undefined); // the request is destroyed once the third event is in
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l) events.push(JSON.parse(l));
        if (events.length === 3) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', (e) => (events.length === 3 ? resolve() : reject(e)));
  });
  await call(s, 'POST', '/api/v1/namespaces/default/services', { body: service('a', [{ port: 80 }]) });
  await call(s, 'POST', '/api/v1/namespaces/default/services', { body: service('b', [{ port: 81 }]) });
  await call(s, 'DELETE', '/api/v1/namespaces/default/services/a');
  await done;
  t.deepEqual(events.map((e) => `${e.type} ${e.object.kind} ${e.object.rows[0].cells[0]} ${e.object.rows[0].cells[4]}`), ['ADDED Table a 80/TCP', 'ADDED Table b 81/TCP', 'DELETED Table a 80/TCP']);
  t.is(events[0].object.columnDefinitions.length, 7);
  t.deepEqual(events[1].object.columnDefinitions, []);
});

test('a strategic merge patch removes and adds Service ports by port number', async (t) => {
  const s = await startApiServer(t);
  await call(s, 'POST', '/api/v1/namespaces/default/services', { body: service('web', [{ name: 'a', port: 17, targetPort: 7777 }, { name: 'b', port: 18, targetPort: 7777 }]) });
  const patch = { spec: { '$setElementOrder/ports': [{ port: 18 }, { port: 80 }], ports: [{ $patch: 'delete', port: 17 }, { name: 'http', port: 80, targetPort: 7777 }] } };
  const r = await call(s, 'PATCH', '/api/v1/namespaces/default/services/web', { body: patch, contentType: 'application/strategic-merge-patch+json' });
  t.is(r.code, 200, JSON.stringify(r.body));
  t.deepEqual(r.body.spec.ports, [
    { name: 'b', port: 18, protocol: 'TCP', targetPort: 7777 },
    { name: 'http', port: 80, protocol: 'TCP', targetPort: 7777 },
  ]);
});

test('server-side apply creates a missing object, then merges into it', async (t) => {
  const s = await startApiServer(t);
  const path = '/api/v1/namespaces/default/services/applied?fieldManager=kubectl';
  const created = await call(s, 'PATCH', path, { body: service('applied', [{ port: 80 }]), contentType: 'application/apply-patch+yaml' });
  t.is(created.code, 200, JSON.stringify(created.body));
  t.truthy(created.body.metadata.uid);
  const merged = await call(s, 'PATCH', path, { body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'applied', labels: { tier: 'x' } } }, contentType: 'application/apply-patch+yaml' });
  t.deepEqual(merged.body.metadata.labels, { app: 'applied', tier: 'x' });
  t.is(merged.body.metadata.uid, created.body.metadata.uid);
  const wrongName = await call(s, 'PATCH', path, { body: service('other', [{ port: 80 }]), contentType: 'application/apply-patch+yaml' });
  t.is(wrongName.code, 400);
});

test('a protobuf body (kubectl create deployment) is decoded, defaulted and stored like JSON, answered in JSON; a malformed one is a 400 and stores nothing', async (t) => {
  const s = await startApiServer(t);
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
  };
  const post = (body: Buffer) =>
    fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments`, { method: 'POST', body: new Uint8Array(body), headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf, application/json' } });
  const created = await post(encodeBody(deployment));
  t.is(created.status, 201);
  t.regex(created.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await created.json()) as any;
  t.like(body, { kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 2, revisionHistoryLimit: 10 } });
  t.is(body.spec.template.spec.containers[0].terminationMessagePath, '/dev/termination-log', 'defaults applied');
  const good = encodeBody({ ...deployment, metadata: { name: 'other' } });
  for (const bad of [good.subarray(0, good.length - 5), Buffer.from('k8s\u0000\n')]) {
    const r = await post(bad);
    t.is(r.status, 400);
    t.like(await r.json(), { kind: 'Status', reason: 'BadRequest', code: 400 });
  }
  const protobufOnly = await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments`, {
    method: 'POST',
    body: new Uint8Array(good),
    headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/vnd.kubernetes.protobuf' },
  });
  t.is(protobufOnly.status, 406, 'a client that takes only protobuf answers is told the server writes JSON');
  t.is(((await protobufOnly.json()) as { message: string }).message, 'only the following media types are accepted: application/json');
  t.deepEqual(s.store.list('apps/deployments').map((d) => d.metadata.name), ['web']);
});

test('the OpenAPI v3 index points at one document per group-version, served with the hash kubectl caches by', async (t) => {
  const s = await startApiServer(t);
  const index = await call(s, 'GET', '/openapi/v3');
  t.deepEqual(Object.keys(index.body.paths).sort(), ['api/v1', 'apis/apps/v1', 'apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1', 'apis/certificates.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/gateway.networking.k8s.io/v1', 'apis/hosts.svclab.io/v1', 'apis/networking.k8s.io/v1', 'apis/rbac.authorization.k8s.io/v1']);
  const url: string = index.body.paths['api/v1'].serverRelativeURL;
  t.regex(url, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
  const doc = await call(s, 'GET', url);
  const patch = doc.body.paths['/api/v1/namespaces/{namespace}/services/{name}'].patch;
  t.deepEqual(patch['x-kubernetes-group-version-kind'], { group: '', version: 'v1', kind: 'Service' });
  t.truthy(doc.body.paths['/api/v1/nodes/{name}'].patch, 'cluster-scoped paths have no namespace');
  t.truthy(doc.body.components.schemas['io.k8s.api.core.v1.Service']);
  t.is((await call(s, 'GET', '/openapi/v3/apis/batch/v1')).code, 404);
});

test('the service and pod proxy: a redirect to the slash form, then upstream\'s errors before any connection is made', async (t) => {
  const s = await startApiServer(t, { kubeletSocketDir: tempDir(t) });
  await s.client.create(types.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as never, 'default');
  const base = '/api/v1/namespaces/default/services';
  const bare = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(`${s.url}${base}/web:80/proxy?x=1`, resolve).on('error', reject));
  t.is(bare.statusCode, 301);
  t.is(bare.headers.location, `${base}/web:80/proxy/?x=1`);
  bare.resume();
  const noPort = await call(s, 'GET', `${base}/web:81/proxy/`);
  t.is(noPort.code, 503);
  t.is(noPort.body.message, 'no service port 81 found for service "web"');
  const noEndpoints = await call(s, 'GET', `${base}/web/proxy/healthz`);
  t.is(noEndpoints.code, 503);
  t.is(noEndpoints.body.reason, 'ServiceUnavailable');
  t.is(noEndpoints.body.message, 'no endpoints available for service "web"');
  t.is((await call(s, 'GET', `${base}/missing/proxy/`)).code, 404);
  t.is((await call(s, 'GET', `${base}/ftp:web:80/proxy/`)).code, 400);
  const node = await call(s, 'GET', '/api/v1/nodes/node1/proxy/metrics');
  t.is(node.code, 400);
  t.regex(node.body.message, /proxies to services and pods only/);
});