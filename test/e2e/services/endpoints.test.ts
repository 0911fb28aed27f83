import test from 'ava';
import { readyCondition } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Deployment, Endpoints, EndpointSlice, Pod, Service } from '../../../src/api/types.js';
import { waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { gone, inPod, readyPod, readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'endpoints', ['--nodes', '2']);
const bound = 15_000;

/** What Endpoints and the EndpointSlices say, reduced to comparable facts. */
interface View {
  ready: string[];
  notReady: string[];
  slices: string[];
}

/** A lab/hello pod on a node, Ready while it has no /tmp/unready (an exec probe, like a real health check script). */
function pod(name: string, node: string): Pod {
  return {
    metadata: { name, labels: { app: 'web' } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: 'lab/hello', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { exec: { command: ['test', '!', '-e', '/tmp/unready'] }, periodSeconds: 1, failureThreshold: 1 } }],
    },
  } as Pod;
}

async function view(): Promise<View> {
  const ep = await s.client.get<Endpoints>(types.endpoints, 'web', 'default');
  const slices = (await s.client.list<EndpointSlice>(types.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
  const addr = (a: { ip: string; targetRef?: { name?: string } }, port: number | undefined): string => `${a.targetRef?.name}=${a.ip}:${port}`;
  return {
    ready: (ep.subsets ?? []).flatMap((sub) => (sub.addresses ?? []).map((a) => addr(a, sub.ports?.[0]?.port))).sort(),
    notReady: (ep.subsets ?? []).flatMap((sub) => (sub.notReadyAddresses ?? []).map((a) => addr(a, sub.ports?.[0]?.port))).sort(),
    slices: slices
      .flatMap((sl) => sl.endpoints.map((e) => `${e.targetRef?.name}=${e.addresses[0]}:${sl.ports?.map((p) => `${p.name}/${p.port}`).join(',')} ready=${e.conditions?.ready} serving=${e.conditions?.serving} terminating=${e.conditions?.terminating} node=${e.nodeName}`))
      .sort(),
  };
}

/** Waits (bounded) until Endpoints and slices show exactly these pods, ready or not. */
async function expect(want: { ready?: Pod[]; notReady?: Pod[] }): Promise<View> {
  const entry = (p: Pod): string => `${p.metadata.name}=${p.status!.podIP}:8080`;
  const slice = (p: Pod, ready: boolean): string => `${p.metadata.name}=${p.status!.podIP}:http/8080 ready=${ready} serving=${ready} terminating=false node=${p.spec.nodeName}`;
  const expected: View = {
    ready: (want.ready ?? []).map(entry).sort(),
    notReady: (want.notReady ?? []).map(entry).sort(),
    slices: [...(want.ready ?? []).map((p) => slice(p, true)), ...(want.notReady ?? []).map((p) => slice(p, false))].sort(),
  };
  let last: View | undefined;
  try {
    return await waitFor('Endpoints and EndpointSlices to follow the pods', async () => {
      last = await view();
      return JSON.stringify(last) === JSON.stringify(expected) ? last : undefined;
    }, bound);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nwanted ${JSON.stringify(expected, null, 1)}\ngot ${JSON.stringify(last, null, 1)}`);
  }
}

it.serial('a selector service starts with empty Endpoints and one empty EndpointSlice owned by it', async (t) => {
  const svc = await s.client.create<Service>(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } as Service, 'default');
  await expect({});
  const ep = await s.client.get<Endpoints>(types.endpoints, 'web', 'default');
  t.deepEqual(ep.subsets ?? [], []);
  // The EndpointSlice controller writes its slice on its own schedule, after the Endpoints one may.
  const [slice, ...more] = await waitFor('the EndpointSlice of web', async () => {
    const items = (await s.client.list<EndpointSlice>(types.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
    return items.length > 0 ? items : undefined;
  });
  t.is(more.length, 0);
  t.deepEqual(slice!.endpoints ?? [], []);
  t.is(slice!.metadata.labels!['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  t.like(slice!.metadata.ownerReferences![0]!, { kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true });
});

it.serial('created pods join when Ready, with their named target port resolved', async (t) => {
  await s.client.create(types.pods, pod('a', 'node1'), 'default');
  const a = await readyPod(s, 'a');
  await expect({ ready: [a] });
  await s.client.create(types.pods, pod('b', 'node2'), 'default');
  const b = await readyPod(s, 'b');
  const v = await expect({ ready: [a, b] });
  t.is(v.ready.length, 2);
});

it.serial('a pod failing its readiness probe moves to notReadyAddresses and ready=false, and back when it passes', async (t) => {
  const a = await readyPod(s, 'a');
  const b = await readyPod(s, 'b');
  t.is((await inPod(s, 'a', ['touch', '/tmp/unready'])).exitCode, 0);
  await waitFor('a not Ready', async () => readyCondition(await s.client.get<Pod>(types.pods, 'a', 'default'))?.status === 'False', bound);
  await expect({ ready: [b], notReady: [a] });
  t.is((await inPod(s, 'a', ['rm', '/tmp/unready'])).exitCode, 0);
  await readyPod(s, 'a');
  const v = await expect({ ready: [a, b] });
  t.deepEqual(v.notReady, []);
});

it.serial('a deleted pod leaves Endpoints and the slices', async (t) => {
  const b = await readyPod(s, 'b');
  await s.client.delete(types.pods, 'a', 'default');
  await gone(s, types.pods, 'a', 'default');
  const v = await expect({ ready: [b] });
  t.false(v.slices.some((e) => e.startsWith('a=')));
});

it.serial('a Deployment scaled 3 -> 1 -> 0 is followed pod by pod; relabelling a pod takes it out', async (t) => {
  const b = await readyPod(s, 'b');
  const template = pod('scaled', 'node1');
  await s.client.create(types.deployments, {
    metadata: { name: 'scaled' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { ...template.spec, nodeName: undefined } } },
  } as Deployment, 'default');
  const three = await readyPods(s, 'app=web', 4);
  await expect({ ready: three });
  await s.client.patch(types.deployments, 'scaled', { spec: { replicas: 1 } }, 'default', 'scale');
  const two = await readyPods(s, 'app=web', 2);
  await expect({ ready: two });
  await s.client.patch(types.deployments, 'scaled', { spec: { replicas: 0 } }, 'default', 'scale');
  await readyPods(s, 'app=web', 1);
  await expect({ ready: [b] });
  await s.client.patch(types.pods, 'b', { metadata: { labels: { app: 'other' } } }, 'default');
  const v = await expect({});
  t.deepEqual(v, { ready: [], notReady: [], slices: [] });
});
