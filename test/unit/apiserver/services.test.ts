import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Endpoints, EndpointSlice, Service } from '../../../src/api/types.js';
import { invalidServices } from '../../fixtures/invalid-services.js';
import { startApiServer, type TestServer } from '../../helpers/apiserver.js';

async function post(s: TestServer, path: string, body: unknown): Promise<{ code: number; body: any }> {
  const res = await fetch(s.url + path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return { code: res.status, body: await res.json() };
}

const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec });
const web = (name: string, extra: Record<string, unknown> = {}) => svc(name, { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...extra });

test(`each of ${invalidServices.length} invalid Services is refused with 422, Kubernetes' field causes, and nothing stored or allocated`, async (t) => {
  const s = await startApiServer(t);
  t.true(invalidServices.length >= 30);
  const rv = s.store.resourceVersion;
  for (const c of invalidServices) {
    const r = await post(s, '/api/v1/namespaces/default/services', svc('web', c.spec));
    t.is(r.code, 422, c.title);
    t.is(r.body.reason, 'Invalid', c.title);
    t.deepEqual(r.body.details.causes.map((x: { field: string; message: string }) => `${x.field}: ${x.message}`), c.errors, c.title);
    t.true(r.body.message.startsWith('Service "web" is invalid: '), c.title);
  }
  t.is(s.store.resourceVersion, rv, 'nothing was stored');
  // Nothing was allocated either: every address and port a valid request could ask for is still free.
  const ok = await post(s, '/api/v1/namespaces/default/services', web('after', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30080 }] }));
  t.is(ok.code, 201, JSON.stringify(ok.body));
});

test('hand-made Endpoints with loopback, link-local or multicast addresses are refused', async (t) => {
  const s = await startApiServer(t);
  const ep = (ip: string) => ({ metadata: { name: 'ext' }, subsets: [{ addresses: [{ ip }], ports: [{ port: 9376 }] }] });
  const cases: [string, string][] = [
    ['127.0.0.1', 'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['169.254.1.1', 'subsets[0].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
    ['224.0.0.5', 'subsets[0].addresses[0].ip: Invalid value: "224.0.0.5": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
  ];
  for (const [ip, message] of cases) {
    const r = await post(s, '/api/v1/namespaces/default/endpoints', ep(ip));
    t.is(r.code, 422, ip);
    t.true(r.body.details.causes.some((x: { field: string; message: string }) => `${x.field}: ${x.message}` === message), JSON.stringify(r.body.details.causes));
  }
  const empty = await post(s, '/api/v1/namespaces/default/endpoints', { metadata: { name: 'ext' }, subsets: [{ ports: [{ port: 1 }] }] });
  t.is(empty.code, 422);
  const good = await post(s, '/api/v1/namespaces/default/endpoints', ep('192.0.2.42'));
  t.is(good.code, 201);
});

test('a taken nodePort or clusterIP is refused; a deleted service frees both at once', async (t) => {
  const s = await startApiServer(t);
  const first = await post(s, '/api/v1/namespaces/default/services', web('a', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }));
  t.is(first.code, 201);
  const clash = await post(s, '/api/v1/namespaces/default/services', web('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
  t.is(clash.code, 422);
  t.is(clash.body.message, 'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  const ipClash = await post(s, '/api/v1/namespaces/default/services', web('c', { clusterIP: '10.96.0.50' }));
  t.is(ipClash.code, 422);
  t.regex(ipClash.body.message, /provided IP is already allocated/);
  const outOfRange = await post(s, '/api/v1/namespaces/default/services', web('d', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }));
  t.is(outOfRange.body.message, 'Service "d" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
  await s.client.delete(types.services, 'a', 'default');
  const reuse = await post(s, '/api/v1/namespaces/default/services', web('b', { type: 'NodePort', clusterIP: '10.96.0.50', ports: [{ port: 80, nodePort: 30080 }] }));
  t.is(reuse.code, 201, JSON.stringify(reuse.body));
});

test('a restarted API server keeps every allocation', async (t) => {
  const first = await startApiServer(t);
  const a = await first.client.create<Service>(types.services, web('a', { type: 'NodePort' }) as Service, 'default');
  first.stop();
  const second = await startApiServer(t, { dir: first.dir });
  const ip = await post(second, '/api/v1/namespaces/default/services', web('b', { clusterIP: a.spec.clusterIP }));
  t.is(ip.code, 422);
  const port = await post(second, '/api/v1/namespaces/default/services', web('c', { type: 'NodePort', ports: [{ port: 80, nodePort: a.spec.ports![0]!.nodePort }] }));
  t.is(port.code, 422);
  t.regex(port.body.message, /provided port is already allocated/);
});

test('50 concurrent creates never get the same cluster IP or nodePort', async (t) => {
  const s = await startApiServer(t);
  const created = await Promise.all(Array.from({ length: 50 }, (_, i) => post(s, '/api/v1/namespaces/default/services', web(`s${i}`, { type: 'NodePort' }))));
  t.true(created.every((r) => r.code === 201));
  const ips = created.map((r) => r.body.spec.clusterIP);
  const ports = created.map((r) => r.body.spec.ports[0].nodePort);
  t.is(new Set(ips).size, 50);
  t.is(new Set(ports).size, 50);
  t.true(ips.every((ip: string) => /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/.test(ip)));
  t.true(ports.every((p: number) => p >= 30000 && p <= 32767));
});

test('the same port on TCP and UDP shares one nodePort', async (t) => {
  const s = await startApiServer(t);
  const r = await post(s, '/api/v1/namespaces/default/services', svc('dns', { type: 'NodePort', selector: { app: 'dns' }, ports: [{ name: 'udp', port: 53, protocol: 'UDP' }, { name: 'tcp', port: 53, protocol: 'TCP' }] }));
  t.is(r.code, 201, JSON.stringify(r.body));
  t.is(r.body.spec.ports[0].nodePort, r.body.spec.ports[1].nodePort);
});

test('type changes allocate and release addresses and ports', async (t) => {
  const s = await startApiServer(t);
  const ext = await s.client.create<Service>(types.services, svc('db', { type: 'ExternalName', externalName: 'my.database.example.com' }) as Service, 'default');
  t.is(ext.spec.clusterIP, undefined);
  const toClusterIP = await s.client.patch<Service>(types.services, 'db', { spec: { type: 'ClusterIP', externalName: null, selector: { app: 'db' }, ports: [{ port: 3306 }] } }, 'default');
  t.regex(toClusterIP.spec.clusterIP!, /^10\./);
  const toNodePort = await s.client.patch<Service>(types.services, 'db', { spec: { type: 'NodePort' } }, 'default');
  const nodePort = toNodePort.spec.ports![0]!.nodePort!;
  t.true(nodePort >= 30000);
  t.is(toNodePort.spec.clusterIP, toClusterIP.spec.clusterIP, 'the cluster IP is kept');
  const back = await s.client.patch<Service>(types.services, 'db', { spec: { type: 'ExternalName', externalName: 'other.example.com' } }, 'default');
  t.is(back.spec.clusterIP, undefined);
  t.is(back.spec.ports![0]!.nodePort, undefined);
  // Both were released: another service can take them now.
  const reuse = await post(s, '/api/v1/namespaces/default/services', web('x', { type: 'NodePort', clusterIP: toClusterIP.spec.clusterIP, ports: [{ port: 80, nodePort }] }));
  t.is(reuse.code, 201, JSON.stringify(reuse.body));
});

test('a dry run allocates nothing', async (t) => {
  const s = await startApiServer(t);
  const dry = await post(s, '/api/v1/namespaces/default/services?dryRun=All', web('a', { type: 'NodePort', clusterIP: '10.96.0.60', ports: [{ port: 80, nodePort: 30090 }] }));
  t.is(dry.code, 201);
  const real = await post(s, '/api/v1/namespaces/default/services', web('a', { type: 'NodePort', clusterIP: '10.96.0.60', ports: [{ port: 80, nodePort: 30090 }] }));
  t.is(real.code, 201, JSON.stringify(real.body));
});

test('the default/kubernetes service exists with the first service IP and points at the advertised API address', async (t) => {
  const s = await startApiServer(t, { advertise: { ip: '172.18.0.1', port: 6443 } });
  const k = await s.client.get<Service>(types.services, 'kubernetes', 'default');
  t.is(k.spec.clusterIP, '10.96.0.1');
  t.like(k.spec.ports![0]!, { name: 'https', port: 443, targetPort: 6443, protocol: 'TCP' });
  const ep = await s.client.get<Endpoints>(types.endpoints, 'kubernetes', 'default');
  t.deepEqual(ep.subsets, [{ addresses: [{ ip: '172.18.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
  const slice = await s.client.get<EndpointSlice>(types.endpointslices, 'kubernetes', 'default');
  t.deepEqual(slice.endpoints.map((e) => e.addresses), [['172.18.0.1']]);
});
