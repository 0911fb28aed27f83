import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import { isReady, readyCondition } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Event, Pod } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { exec } from '../../../src/client/exec.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { adminConnection } from '../../../src/lab/credentials.js';
import { readState } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('pods');
let client: ApiClient;
let before: string[];

function pod(podName: string, node: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): Pod {
  return { metadata: { name: podName, labels: { app: podName } }, spec: { nodeName: node, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', ...container }], ...spec } } as Pod;
}

async function running(podName: string, ready = true): Promise<Pod> {
  return waitFor(`pod ${podName} Running${ready ? ' and Ready' : ''}`, async () => {
    const p = await client.get<Pod>(types.pods, podName, 'default');
    return p.status?.phase === 'Running' && (!ready || isReady(p)) ? p : undefined;
  }, 15_000);
}

async function inPod(podName: string, command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return exec({ ...adminConnection(readState(name)!), namespace: 'default', pod: podName, command });
}

async function onHost(host: string, command: string[]): Promise<string> {
  const [cmd, ...args] = hostArgv(name, host, command);
  return String((await execa(cmd!, args)).stdout);
}

/** The container's host pid, from the shim's record in the node's state. */
function containerPid(p: Pod, container = 'main'): number {
  const restart = p.status!.containerStatuses!.find((c) => c.name === container)!.restartCount;
  return Number(fs.readFileSync(`/run/svclab/${name}/nodes/${p.spec.nodeName}/pods/${p.metadata.uid}/containers/${container}/${restart}/pid`, 'utf8'));
}

async function events(podName: string): Promise<string[]> {
  const list = await client.list<Event>(types.events, 'default', { fieldSelector: `involvedObject.name=${podName}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

it.before(async (t) => {
  before = await hostSnapshot(name);
  const r = await lab(['up', '--name', name, '--nodes', '2']);
  t.is(r.exitCode, 0, String(r.all));
  client = clientFor(name);
});

it.after.always(async (t) => {
  client?.close();
  await lab(['down', '--name', name]);
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial('a pod runs its process in its own namespace with its own IP, reachable from the other node and from other pods', async (t) => {
  await client.create(types.pods, pod('web', 'node1', { image: 'lab/hello', env: [{ name: 'PORT', value: '8080' }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }), 'default');
  const web = await running('web');
  t.regex(web.status!.podIP!, /^10\.244\.1\.\d+$/);
  t.is(web.status!.hostIP, '172.18.0.2');
  t.like(web.status!.containerStatuses![0]!, { name: 'main', ready: true, restartCount: 0, started: true });
  const fromNode2 = await onHost('node2', ['curl', '-s', '--max-time', '3', `http://${web.status!.podIP}:8080/`]);
  t.regex(fromNode2, /^Hello from web at 10\.244\.1\.\d+:8080/);

  await client.create(types.pods, pod('client', 'node2', { image: 'lab/toolbox' }), 'default');
  const cl = await running('client');
  t.regex(cl.status!.podIP!, /^10\.244\.2\.\d+$/);
  const r = await inPod('client', ['curl', '-s', '--max-time', '3', `http://${web.status!.podIP}:8080/json`]);
  t.is(r.exitCode, 0, r.stderr);
  t.like(JSON.parse(r.stdout), { pod: 'web', ip: web.status!.podIP, port: 8080 });
  t.is(JSON.parse(r.stdout).client.split(':')[0], cl.status!.podIP, 'the server sees the client pod IP');
});

it.serial('a pod sees its own hostname, resolv.conf and hosts file', async (t) => {
  await client.create(types.pods, pod('named', 'node1', { image: 'lab/toolbox' }, { hostname: 'db-0', subdomain: 'db' }), 'default');
  const p = await running('named');
  t.is((await inPod('named', ['hostname'])).stdout.trim(), 'db-0');
  t.is((await inPod('named', ['cat', '/etc/resolv.conf'])).stdout, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  const hosts = (await inPod('named', ['cat', '/etc/hosts'])).stdout;
  t.true(hosts.startsWith('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n'));
  t.true(hosts.includes(`${p.status!.podIP}\tdb-0.db.default.svc.cluster.local\tdb-0\n`));
  const env = (await inPod('named', ['printenv', 'HOSTNAME'])).stdout.trim();
  t.is(env, 'db-0');
  // The host's own files are untouched.
  t.false(fs.readFileSync('/etc/hosts', 'utf8').includes('db-0'));
});

it.serial('exec returns the exit code of the command', async (t) => {
  const r = await inPod('client', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.deepEqual([r.exitCode, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
});

it.serial('a killed container process is restarted and counted, with its last state', async (t) => {
  const before = await running('web');
  const pid = containerPid(before);
  t.regex(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'), /images\/hello\/main\.js/);
  process.kill(pid, 'SIGKILL');
  const after = await waitFor('web restarted', async () => {
    const p = await client.get<Pod>(types.pods, 'web', 'default');
    const s = p.status?.containerStatuses?.[0];
    return s && s.restartCount === 1 && s.ready ? p : undefined;
  }, 15_000);
  t.like(after.status!.containerStatuses![0]!.lastState!.terminated!, { exitCode: 137, reason: 'Error' });
  t.is(after.status!.podIP, before.status!.podIP, 'the pod keeps its IP across container restarts');
});

it.serial('a failing readiness probe makes the pod unready; a failing liveness probe restarts its container', async (t) => {
  await client.create(
    types.pods,
    pod('probed', 'node2', {
      image: 'nginx',
      readinessProbe: { httpGet: { path: '/missing', port: 80 }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 1 },
      livenessProbe: { tcpSocket: { port: 9999 }, initialDelaySeconds: 2, periodSeconds: 1, failureThreshold: 2 },
    }),
    'default',
  );
  const restarted = await waitFor('a liveness restart', async () => {
    const p = await client.get<Pod>(types.pods, 'probed', 'default');
    return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
  }, 20_000);
  t.is(readyCondition(restarted)!.status, 'False');
  const evs = await events('probed');
  t.true(evs.some((e) => e.startsWith('Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404')), evs.join('\n'));
  t.true(evs.some((e) => /^Unhealthy: Liveness probe failed: dial tcp 10\.244\.2\.\d+:9999: connect: connection refused/.test(e)), evs.join('\n'));
  t.true(evs.includes('Killing: Container main failed liveness probe, will be restarted'), evs.join('\n'));
});

it.serial('an image the catalogue does not have gives ErrImagePull then ImagePullBackOff, as a cluster would', async (t) => {
  await client.create(types.pods, pod('ghost', 'node1', { image: 'example.com/nope:1.0' }), 'default');
  const p = await waitFor('ImagePullBackOff', async () => {
    const x = await client.get<Pod>(types.pods, 'ghost', 'default');
    return x.status?.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff' ? x : undefined;
  }, 15_000);
  t.is(p.status!.phase, 'Pending');
  const evs = await events('ghost');
  t.true(evs.some((e) => e.startsWith('Failed: Failed to pull image "example.com/nope:1.0": image not in the svclab catalogue (known: ')), evs.join('\n'));
  t.true(evs.includes('BackOff: Back-off pulling image "example.com/nope:1.0"'), evs.join('\n'));
});

it.serial('logs show what the container printed, with tail', async (t) => {
  const podIP = (await running('web')).status!.podIP!;
  for (let i = 0; i < 3; i++) await onHost('node2', ['curl', '-s', '--max-time', '3', `http://${podIP}:8080/n${i}`]);
  const all = await lab(['logs', '--name', name, 'web']);
  t.is(all.exitCode, 0, String(all.stderr));
  t.regex(String(all.stdout), /GET \/n0 200/);
  const last = await lab(['logs', '--name', name, '--tail', '1', 'web']);
  t.regex(String(last.stdout).trim(), /GET \/n2 200$/);
  t.is(String(last.stdout).trim().split('\n').length, 1);
});

it.serial('a restarted agent adopts the running containers instead of restarting them', async (t) => {
  const webBefore = await running('web');
  const pidBefore = containerPid(webBefore);
  const agent = componentPid(name, 'agent-node1')!;
  process.kill(agent, 'SIGKILL');
  await waitFor('a new agent-node1', () => componentPid(name, 'agent-node1') !== agent && componentPid(name, 'agent-node1'));
  await new Promise((r) => setTimeout(r, 1500));
  const webAfter = await running('web');
  t.is(webAfter.status!.containerStatuses![0]!.restartCount, webBefore.status!.containerStatuses![0]!.restartCount);
  t.is(webAfter.status!.podIP, webBefore.status!.podIP);
  t.regex(await onHost('node2', ['curl', '-s', '--max-time', '3', `http://${webAfter.status!.podIP}:8080/`]), /^Hello from web/);
  t.is(containerPid(webAfter), pidBefore, 'the same process still runs');
  process.kill(pidBefore, 0);
});

it.serial('a pod status changed behind the kubelet is reported again, as the status manager reconciles', async (t) => {
  const p = await running('web');
  const notReady = p.status!.conditions!.map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c));
  await client.patch(types.pods, 'web', { status: { conditions: notReady, containerStatuses: [{ ...p.status!.containerStatuses![0]!, ready: false }] } }, 'default', 'status');
  const back = await running('web');
  t.like(back.status!.containerStatuses![0]!, { ready: true, restartCount: p.status!.containerStatuses![0]!.restartCount });
});

it.serial('deleting a pod stops its process gracefully and removes its namespace, files and API object', async (t) => {
  const p = await running('web');
  const netns = fs.readdirSync('/run/netns').filter((n) => n.startsWith(`svclab-${name}-pod-`));
  t.true(netns.length >= 1);
  await client.delete(types.pods, 'web', 'default');
  const deleting = await client.get<Pod>(types.pods, 'web', 'default');
  t.truthy(deleting.metadata.deletionTimestamp, 'graceful: the pod stays while the kubelet stops it');
  await waitFor('web gone', async () => {
    try {
      await client.get(types.pods, 'web', 'default');
      return false;
    } catch {
      return true;
    }
  });
  const remaining = fs.readdirSync('/run/netns').filter((n) => n.startsWith(`svclab-${name}-pod-`));
  t.is(remaining.length, netns.length - 1);
  t.false(fs.existsSync(`/etc/netns/svclab-${name}-pod-${p.metadata.uid!.slice(0, 13)}`));
  t.false((await onHost('node1', ['ip', 'route'])).includes(p.status!.podIP!), 'the /32 route to the pod is gone');
  const evs = await events('web');
  t.true(evs.includes('Killing: Stopping container main'), evs.join('\n'));
});
