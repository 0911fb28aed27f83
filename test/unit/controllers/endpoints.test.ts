import test, { type ExecutionContext } from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Endpoints, EndpointSlice, Node, Pod, Service } from '../../../src/api/types.js';
import { ApiClient } from '../../../src/client/client.js';
import { Informer } from '../../../src/client/informer.js';
import { startEndpointControllers } from '../../../src/controllers/endpoints/index.js';
import { poll } from '../../../src/util/poll.js';
import { startApiServer, type TestServer } from '../../helpers/apiserver.js';
import { waitFor } from '../../helpers/lab.js';

async function setup(t: ExecutionContext<unknown>): Promise<TestServer> {
  const s = await startApiServer(t);
  const client = new ApiClient({ server: s.url });
  const inf = {
    services: new Informer<Service>(client, types.services).start(),
    pods: new Informer<Pod>(client, types.pods).start(),
    endpoints: new Informer<Endpoints>(client, types.endpoints).start(),
    slices: new Informer<EndpointSlice>(client, types.endpointslices).start(),
    nodes: new Informer<Node>(client, types.nodes).start(),
  };
  await Promise.all(Object.values(inf).map((i) => i.synced));
  const stop = startEndpointControllers(client, inf);
  t.teardown(() => {
    stop();
    for (const i of Object.values(inf)) i.stop();
    client.close();
  });
  return s;
}

/** A pod as a kubelet would have reported it: bound, with an IP, Ready or not. */
async function runPod(s: TestServer, name: string, ip: string, opts: { labels?: Record<string, string>; ready?: boolean; ports?: { name?: string; containerPort: number }[]; hostname?: string; subdomain?: string; node?: string } = {}): Promise<void> {
  await s.client.create(types.pods, {
    metadata: { name, labels: opts.labels ?? { app: 'web' } },
    spec: { nodeName: opts.node ?? 'node1', hostname: opts.hostname, subdomain: opts.subdomain, containers: [{ name: 'c', image: 'lab/hello', ports: opts.ports }] },
  } as Pod, 'default');
  await setReady(s, name, ip, opts.ready ?? true);
}

async function setReady(s: TestServer, name: string, ip: string, ready: boolean): Promise<void> {
  const status = ready ? 'True' : 'False';
  await s.client.patch(types.pods, name, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status }] } }, 'default', 'status');
}

async function endpoints(s: TestServer, name = 'web'): Promise<Endpoints | undefined> {
  try {
    return await s.client.get<Endpoints>(types.endpoints, name, 'default');
  } catch {
    return undefined;
  }
}

async function slices(s: TestServer, name = 'web'): Promise<EndpointSlice[]> {
  return (await s.client.list<EndpointSlice>(types.endpointslices, 'default', { labelSelector: `kubernetes.io/service-name=${name}` })).items;
}

const readyIPs = (sl: EndpointSlice[]): string[] => sl.flatMap((x) => x.endpoints.filter((e) => e.conditions?.ready).map((e) => e.addresses[0]!)).sort();

test('endpoints follow the pods: empty, one, two, one, empty', async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as Service, 'default');
  await waitFor('empty Endpoints', async () => (await endpoints(s))?.subsets?.length === 0);
  await runPod(s, 'p1', '10.244.1.2');
  await waitFor('p1', async () => JSON.stringify((await endpoints(s))?.subsets) === JSON.stringify([{ addresses: [{ ip: '10.244.1.2', nodeName: 'node1', targetRef: { kind: 'Pod', namespace: 'default', name: 'p1', uid: (await s.client.get<Pod>(types.pods, 'p1', 'default')).metadata.uid } }], ports: [{ port: 8080, protocol: 'TCP' }] }]));
  await runPod(s, 'p2', '10.244.2.2');
  await waitFor('p1+p2', async () => readyIPs(await slices(s)).join() === '10.244.1.2,10.244.2.2');
  await s.client.delete(types.pods, 'p1', 'default', { gracePeriodSeconds: 0 });
  await waitFor('p2', async () => readyIPs(await slices(s)).join() === '10.244.2.2' && (await endpoints(s))?.subsets?.[0]?.addresses?.length === 1);
  await s.client.delete(types.pods, 'p2', 'default', { gracePeriodSeconds: 0 });
  await waitFor('empty', async () => readyIPs(await slices(s)).length === 0 && (await endpoints(s))?.subsets?.length === 0);
  const sl = await slices(s);
  t.is(sl.length, 1, 'one empty slice stays, carrying the ports');
  t.like(sl[0]!.metadata.labels!, { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  t.is(sl[0]!.metadata.ownerReferences![0]!.kind, 'Service');
});

test('an unready pod moves to notReadyAddresses and its slice endpoint is not ready; publishNotReadyAddresses keeps it', async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } as Service, 'default');
  await runPod(s, 'p1', '10.244.1.2', { ready: false });
  await waitFor('notReady', async () => (await endpoints(s))?.subsets?.[0]?.notReadyAddresses?.[0]?.ip === '10.244.1.2');
  t.is((await endpoints(s))!.subsets![0]!.addresses, undefined);
  await waitFor('slice', async () => (await slices(s))[0]?.endpoints.length === 1);
  t.deepEqual((await slices(s))[0]!.endpoints[0]!.conditions, { ready: false, serving: false, terminating: false });
  await s.client.patch(types.services, 'web', { spec: { publishNotReadyAddresses: true } }, 'default');
  const published = await waitFor('published', async () => {
    const subset = (await endpoints(s))?.subsets?.[0];
    return subset?.addresses?.[0]?.ip === '10.244.1.2' && subset;
  });
  t.deepEqual(published.addresses?.map((a) => a.ip), ['10.244.1.2']);
  t.is(published.notReadyAddresses, undefined);
  t.true(await poll(async () => (await slices(s))[0]?.endpoints[0]?.conditions?.ready === true, { timeoutMs: 10_000 }), 'the slice endpoint is ready once published');
});

test('named targetPorts resolve per pod, so pods with different numbers form separate groups', async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } } as Service, 'default');
  await runPod(s, 'a', '10.244.1.2', { ports: [{ name: 'web', containerPort: 8080 }] });
  await runPod(s, 'b', '10.244.1.3', { ports: [{ name: 'web', containerPort: 9090 }] });
  await waitFor('two subsets', async () => (await endpoints(s))?.subsets?.length === 2);
  const subsets = (await endpoints(s))!.subsets!.map((x) => [x.addresses![0]!.ip, x.ports![0]!.port]).sort();
  t.deepEqual(subsets, [
    ['10.244.1.2', 8080],
    ['10.244.1.3', 9090],
  ]);
  await waitFor('two slices', async () => (await slices(s)).length === 2);
  t.deepEqual((await slices(s)).map((x) => [x.endpoints[0]!.addresses[0], x.ports![0]]).sort(), [
    ['10.244.1.2', { name: 'http', port: 8080, protocol: 'TCP' }],
    ['10.244.1.3', { name: 'http', port: 9090, protocol: 'TCP' }],
  ]);
});

test('a terminating pod leaves Endpoints and is serving-but-not-ready in its slice', async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } as Service, 'default');
  await runPod(s, 'p1', '10.244.1.2');
  await waitFor('ready', async () => readyIPs(await slices(s)).length === 1);
  await s.client.delete(types.pods, 'p1', 'default'); // graceful: the pod stays with a deletionTimestamp
  await waitFor('terminating', async () => (await slices(s))[0]?.endpoints[0]?.conditions?.terminating === true);
  t.deepEqual((await slices(s))[0]!.endpoints[0]!.conditions, { ready: false, serving: true, terminating: true });
  t.deepEqual((await endpoints(s))!.subsets, []);
});

test('hostname and subdomain matching the service name give the endpoint a hostname', async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'db' }, spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ port: 5432 }] } } as Service, 'default');
  await runPod(s, 'db-0', '10.244.1.9', { labels: { app: 'db' }, hostname: 'db-0', subdomain: 'db' });
  await waitFor('hostname', async () => (await endpoints(s, 'db'))?.subsets?.[0]?.addresses?.[0]?.hostname === 'db-0');
  await waitFor('slice hostname', async () => (await slices(s, 'db'))[0]?.endpoints[0]?.hostname === 'db-0');
  t.is((await slices(s, 'db'))[0]!.metadata.labels!['service.kubernetes.io/headless'], '');
});

test('a selector-less service with hand-made Endpoints gets mirrored slices', async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'ext' }, spec: { ports: [{ port: 80, targetPort: 9376 }] } } as Service, 'default');
  await s.client.create(types.endpoints, { metadata: { name: 'ext' }, subsets: [{ addresses: [{ ip: '203.0.113.10' }], ports: [{ port: 9376 }] }] } as Endpoints, 'default');
  await waitFor('mirrored', async () => (await slices(s, 'ext'))[0]?.endpoints[0]?.addresses[0] === '203.0.113.10');
  const sl = (await slices(s, 'ext'))[0]!;
  t.is(sl.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslicemirroring-controller.k8s.io');
  t.deepEqual(sl.ports, [{ name: '', port: 9376, protocol: 'TCP' }]);
  // The controller never overwrites Endpoints of a selector-less service.
  t.deepEqual((await endpoints(s, 'ext'))!.subsets, [{ addresses: [{ ip: '203.0.113.10' }], ports: [{ port: 9376, protocol: 'TCP' }] }]);
});

test("a deleted service's Endpoints and slices go", async (t) => {
  const s = await setup(t);
  await s.client.create(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } as Service, 'default');
  await runPod(s, 'p1', '10.244.1.2');
  await waitFor('slices', async () => readyIPs(await slices(s)).length === 1);
  await s.client.delete(types.services, 'web', 'default');
  t.true(await poll(async () => (await slices(s)).length === 0 && !(await endpoints(s)), { timeoutMs: 10_000 }), "the service's slices and Endpoints are deleted");
});
