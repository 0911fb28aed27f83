import test from 'ava';
import fs from 'node:fs';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Deployment, Pod, ReplicaSet } from '../../../src/api/types.js';
import { controllerRef } from '../../../src/controllers/ownership.js';
import { Informer } from '../../../src/client/informer.js';
import { waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { containerPid, curlFrom, gone, inPod, isActive, podsMatching, readyPods, useLab } from './lab-session.js';

const it = e2e(test);
const s = useLab(it, 'deploy', ['--nodes', '3']);
const selector = 'app=web';

const hello = {
  name: 'web',
  image: 'lab/hello',
  ports: [{ containerPort: 8080 }],
  readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
};

const deployment: Deployment = {
  metadata: { name: 'web' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 2, containers: [hello] } },
  },
} as Deployment;

async function replicaSets(): Promise<ReplicaSet[]> {
  return (await s.client.list<ReplicaSet>(types.replicasets, 'default', { labelSelector: selector })).items;
}

async function scale(replicas: number): Promise<void> {
  await s.client.patch(types.deployments, 'web', { spec: { replicas } }, 'default', 'scale');
}

it.serial('a 3-replica Deployment runs one pod on each node, through a ReplicaSet named <deployment>-<pod-template-hash>', async (t) => {
  const d = await s.client.create<Deployment>(types.deployments, deployment, 'default');
  const pods = await readyPods(s, selector, 3);
  const [rs, ...others] = await replicaSets();
  t.is(others.length, 0);
  const hash = rs!.metadata.labels!['pod-template-hash']!;
  t.regex(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  t.is(rs!.metadata.name, `web-${hash}`);
  t.deepEqual(rs!.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash });
  t.like(controllerRef(rs!), { kind: 'Deployment', name: 'web', uid: d.metadata.uid });
  for (const p of pods) {
    t.is(p.metadata.labels!['pod-template-hash'], hash);
    t.true(p.metadata.name!.startsWith(`web-${hash}-`), p.metadata.name);
    t.like(controllerRef(p), { kind: 'ReplicaSet', name: rs!.metadata.name, uid: rs!.metadata.uid });
    const node = Number(p.spec.nodeName!.replace('node', ''));
    t.true(p.status!.podIP!.startsWith(`10.244.${node}.`), `${p.metadata.name} on ${p.spec.nodeName} has ${p.status!.podIP}`);
  }
  t.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['node1', 'node2', 'node3']);
});

it.serial('each pod answers HTTP on its own IP, from the pods on other nodes and from every node', async (t) => {
  const pods = await readyPods(s, selector, 3);
  for (const server of pods) {
    for (const client of pods.filter((p) => p.spec.nodeName !== server.spec.nodeName)) {
      const r = await inPod(s, client.metadata.name!, ['curl', '-s', '--max-time', '3', `http://${server.status!.podIP}:8080/json`]);
      t.is(r.exitCode, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as { pod: string; ip: string; client: string };
      t.like(answer, { pod: server.metadata.name, ip: server.status!.podIP });
      t.is(answer.client.split(':')[0]!, client.status!.podIP!, 'the pod sees the client pod IP');
    }
    for (const node of ['node1', 'node2', 'node3']) {
      const body = await curlFrom(s, node, `http://${server.status!.podIP}:8080/`);
      t.is(body?.split('\n')[0], `Hello from ${server.metadata.name} at ${server.status!.podIP}:8080`, `${node} -> ${server.metadata.name}`);
    }
  }
});

it.serial('a deleted pod is replaced by a new one and the count comes back to 3', async (t) => {
  const [victim] = await readyPods(s, selector, 3);
  await s.client.delete(types.pods, victim!.metadata.name!, 'default');
  await gone(s, types.pods, victim!.metadata.name!, 'default');
  const pods = await readyPods(s, selector, 3);
  t.false(pods.some((p) => p.metadata.uid === victim!.metadata.uid));
  t.is(new Set(pods.map((p) => p.metadata.name)).size, 3);
});

it.serial("killing a pod's process restarts its container in place: restartCount + 1, same pod, same IP", async (t) => {
  const [p] = await readyPods(s, selector, 3);
  const pid = containerPid(s, p!, 'web');
  t.regex(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /images\/hello\/main\.js/);
  process.kill(pid, 'SIGKILL');
  const after = await waitFor('the container restarted and Ready', async () => {
    const x = await s.client.get<Pod>(types.pods, p!.metadata.name!, 'default');
    return x.status?.containerStatuses?.[0]?.restartCount === 1 && isReady(x) ? x : undefined;
  }, 20_000);
  t.is(after.metadata.uid, p!.metadata.uid);
  t.is(after.status!.podIP, p!.status!.podIP);
  t.like(after.status!.containerStatuses![0]!.lastState!.terminated!, { exitCode: 137 });
  const newPid = containerPid(s, after, 'web');
  t.not(newPid, pid);
  t.regex(fs.readFileSync(`/proc/${newPid}/cmdline`, 'utf8'), /images\/hello\/main\.js/);
  t.is((await podsMatching(s, selector)).length, 3, 'no replacement pod was made');
});

it.serial('scaling 3 -> 0 -> 5 removes every pod, then runs five over the three nodes', async (t) => {
  await scale(0);
  await waitFor('no web pods left', async () => (await podsMatching(s, selector)).length === 0, 30_000);
  const [rs] = await replicaSets();
  t.is(rs!.spec.replicas, 0);
  await scale(5);
  const pods = await readyPods(s, selector, 5);
  t.deepEqual([...new Set(pods.map((p) => p.spec.nodeName))].sort(), ['node1', 'node2', 'node3']);
  t.is((await replicaSets()).length, 1, 'scaling keeps the one ReplicaSet');
});

it.serial('an image change rolls the pods one at a time, never beyond replicas + maxSurge nor below replicas - maxUnavailable Ready', async (t) => {
  const [oldRS] = await replicaSets();
  const replicas = 5;
  const [maxSurge, maxUnavailable] = [1, 0];
  const timeline: { active: number; ready: number }[] = [];
  const pods = new Informer<Pod>(s.client, types.pods, { namespace: 'default', labelSelector: selector });
  let listed = false; // the first list arrives one add at a time: not a state of the cluster
  const record = (): void => {
    if (!listed) return;
    const active = pods.list().filter(isActive);
    timeline.push({ active: active.length, ready: active.filter(isReady).length });
  };
  pods.on({ add: record, update: record, delete: record }).start();
  await pods.synced;
  listed = true;
  record();
  try {
    await s.client.patch(types.deployments, 'web', {
      spec: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
        template: { spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 } }] } },
      },
    }, 'default');
    const rolled = await waitFor('five Ready nginx pods and nothing else', async () => {
      const all = await podsMatching(s, selector);
      return all.length === replicas && all.every((p) => isReady(p) && isActive(p) && p.spec.containers[0]!.image === 'nginx') ? all : undefined;
    }, 90_000);
    record();
    t.true(timeline.length > 2 * replicas, `a rollout of ${replicas} pods shows many steps (got ${timeline.length})`);
    const over = timeline.filter((x) => x.active > replicas + maxSurge);
    const under = timeline.filter((x) => x.ready < replicas - maxUnavailable);
    t.deepEqual(over, [], `more than ${replicas + maxSurge} active pods at some point`);
    t.deepEqual(under, [], `fewer than ${replicas - maxUnavailable} Ready pods at some point`);
    t.is(Math.max(...timeline.map((x) => x.active)), replicas + maxSurge, 'the surge was used');

    const sets = await replicaSets();
    const newRS = sets.find((rs) => rs.metadata.uid !== oldRS!.metadata.uid)!;
    t.is(sets.length, 2, 'the old ReplicaSet stays (scaled to 0) for rollbacks');
    t.is(sets.find((rs) => rs.metadata.uid === oldRS!.metadata.uid)!.spec.replicas, 0);
    t.is(newRS.metadata.name, `web-${newRS.metadata.labels!['pod-template-hash']}`);
    t.not(newRS.metadata.name, oldRS!.metadata.name);
    t.true(rolled.every((p) => p.metadata.labels!['pod-template-hash'] === newRS.metadata.labels!['pod-template-hash']));
    const body = await curlFrom(s, 'node1', `http://${rolled[0]!.status!.podIP}/`);
    t.true(body?.includes('<title>Welcome to nginx!</title>'), body);
  } finally {
    pods.stop();
  }
});
