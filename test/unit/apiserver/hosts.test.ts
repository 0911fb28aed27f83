// hosts.svclab.io/v1 Host through a real API server: discovery, the requester annotation, validation, /status.
import test from 'ava';
import { ApiError } from '../../../src/api/errors.js';
import { requestedByAnnotation, type Host } from '../../../src/api/hosts.js';
import { types } from '../../../src/api/resources.js';
import { ApiClient } from '../../../src/client/client.js';
import { serve } from '../../helpers/auth.js';
import { startApiServer } from '../../helpers/apiserver.js';

const host = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): Host => ({ apiVersion: 'hosts.svclab.io/v1', kind: 'Host', metadata: { name, ...(annotations ? { annotations } : {}) }, spec }) as Host;

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('not refused');
}

test('discovery lists hosts.svclab.io/v1 hosts, cluster-scoped, with status', async (t) => {
  const s = await startApiServer(t);
  const list = await s.client.request<{ resources: { name: string; namespaced: boolean; kind: string }[] }>('GET', '/apis/hosts.svclab.io/v1');
  t.like(list.resources.find((r) => r.name === 'hosts'), { namespaced: false, kind: 'Host' });
  t.truthy(list.resources.find((r) => r.name === 'hosts/status'));
});

test('the requester is recorded from the request, never from the body, and kept on update', async (t) => {
  const { s } = await serve(t);
  const ops = new ApiClient({ server: s.url, token: 'admin-token', tls: { ca: s.client.opts.tls!.ca } });
  const created = await ops.create<Host>(types.hosts, host('b', { address: '198.18.0.134', nodes: 2 }, { [requestedByAnnotation]: 'someone-else', keep: 'me' }));
  t.is(created.metadata.annotations?.[requestedByAnnotation], 'ops');
  t.is(created.metadata.annotations?.keep, 'me');
  t.is(created.status, undefined);
  const updated = await ops.update<Host>(types.hosts, { ...created, metadata: { ...created.metadata, annotations: { [requestedByAnnotation]: 'mallory' } } });
  t.is(updated.metadata.annotations?.[requestedByAnnotation], 'ops');
});

test('validation: Kubernetes field paths and a CRD validator\'s wording; nothing stored', async (t) => {
  const s = await startApiServer(t);
  const e = await refusal(s.client.create(types.hosts, host('b', { address: '300.1.2.3', nodes: 0, runtime: 'docker' })));
  t.is(e.status.code, 422);
  t.is(
    e.status.message,
    'Host.hosts.svclab.io "b" is invalid: [spec.address: Invalid value: "300.1.2.3": spec.address in body must be of type ipv4: "300.1.2.3", spec.nodes: Invalid value: 0: spec.nodes in body should be greater than or equal to 1, spec.runtime: Unsupported value: "docker": supported values: "netns"]',
  );
  const missing = await refusal(s.client.create(types.hosts, host('b', {})));
  t.deepEqual(missing.status.details?.causes?.map((c) => `${c.field}: ${c.message}`), ['spec.address: Required value', 'spec.nodes: Required value']);
  t.is((await s.client.list(types.hosts)).items.length, 0);
  const ok = await s.client.create<Host>(types.hosts, host('b', { address: '198.18.0.134', nodes: 1 }));
  const immutable = await refusal(s.client.update(types.hosts, { ...ok, spec: { address: '198.18.0.138', nodes: 1 } }));
  t.is(immutable.status.details?.causes?.[0]?.message, 'Invalid value: "198.18.0.138": Value is immutable');
});

test('status is written through /status only; kubectl get hosts prints NAME ADDRESS NODES AGE', async (t) => {
  const s = await startApiServer(t);
  const h = await s.client.create<Host>(types.hosts, host('b', { address: '198.18.0.134', nodes: 1 }));
  const status = { nodes: [{ name: 'node3', ip: '172.18.0.4', podCIDR: '10.244.3.0/24' }], vni: 42, mtu: 1450 };
  const viaSpec = await s.client.update<Host>(types.hosts, { ...h, status });
  t.is(viaSpec.status, undefined);
  const viaStatus = await s.client.update<Host>(types.hosts, { ...viaSpec, status }, 'status');
  t.deepEqual(viaStatus.status, status);
  const res = await fetch(`${s.url}/apis/hosts.svclab.io/v1/hosts`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const tbl = (await res.json()) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
  t.deepEqual(tbl.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name), ['Name', 'Address', 'Nodes', 'Age']);
  t.deepEqual(tbl.rows[0]!.cells.slice(0, 3), ['b', '198.18.0.134', 1]);
  t.is(tbl.rows[0]!.cells[4], 'node3');
});
