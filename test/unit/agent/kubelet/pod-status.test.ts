import test from 'ava';
import { containerStatus, podStatus, statusSummary, terminatedState, type ContainerRunView } from '../../../../src/agent/kubelet/pod-status.js';
import type { Container, Pod, PodCondition } from '../../../../src/api/types.js';

const started = '2026-01-01T00:00:00Z';
const running = { exit: undefined };
const exited = (exitCode: number) => ({ exit: { exitCode } });

function run(name: string, over: Partial<ContainerRunView> = {}): ContainerRunView {
  const spec: Container = { name, image: 'lab/hello' };
  return { spec, restartCount: 0, ready: false, started: false, ...over };
}

function pod(restartPolicy: Pod['spec']['restartPolicy'] = 'Always', conditions?: PodCondition[]): Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { containers: [], restartPolicy }, status: conditions ? { conditions } : undefined };
}

const status = (p: Pod, runs: ContainerRunView[], sandbox = true) => podStatus({ pod: p, runs, sandbox: sandbox ? { ip: '10.244.1.5' } : undefined, nodeIP: '172.18.0.2', startTime: started });
const conds = (s: ReturnType<typeof status>): Record<string, string> => Object.fromEntries(s.conditions!.map((c) => [c.type, c.status + (c.reason ? `/${c.reason}` : '')]));

test('a container not started yet waits in ContainerCreating; the pod is Pending, its sandbox not yet there', (t) => {
  const s = status(pod(), [run('app')], false);
  t.is(s.phase, 'Pending');
  t.deepEqual(s.containerStatuses![0]!.state, { waiting: { reason: 'ContainerCreating' } });
  t.like(conds(s), { PodReadyToStartContainers: 'False', Initialized: 'True', Ready: 'False/ContainersNotReady', ContainersReady: 'False/ContainersNotReady', PodScheduled: 'True' });
  t.is(s.conditions!.find((c) => c.type === 'Ready')!.message, 'containers with unready status: [app]');
  t.is(s.podIP, undefined);
  t.like(s, { hostIP: '172.18.0.2', hostIPs: [{ ip: '172.18.0.2' }], startTime: started, qosClass: 'BestEffort' });
});

test('running and ready containers make a Running, Ready pod with its sandbox IP', (t) => {
  const s = status(pod(), [run('app', { proc: running, startedAt: started, ready: true, started: true, containerID: 'svclab://abc' })]);
  t.is(s.phase, 'Running');
  t.deepEqual(conds(s), { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
  t.like(s.containerStatuses![0], { name: 'app', ready: true, started: true, restartCount: 0, state: { running: { startedAt: started } }, containerID: 'svclab://abc', image: 'lab/hello', imageID: 'svclab.local/lab/hello' });
  t.like(s, { podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] });
});

test('readiness needs a running container: ready without running is not ready; unready ones are named', (t) => {
  const s = status(pod(), [run('a', { proc: running, ready: true, started: true }), run('b', { proc: running, started: true })]);
  t.is(s.phase, 'Running');
  t.like(conds(s), { Ready: 'False/ContainersNotReady' });
  t.is(s.conditions!.find((c) => c.type === 'ContainersReady')!.message, 'containers with unready status: [b]');
  const gone = containerStatus(run('a', { proc: exited(1), ready: true, started: true, lastTerminated: terminatedState({ exitCode: 1 }, started, 'id') }));
  t.false(gone.ready);
  t.false(gone.started);
});

test('all containers ended: Succeeded when every one exited 0, Failed otherwise, unless restartPolicy is Always', (t) => {
  const ended = (code: number): ContainerRunView => run(`c${code}`, { proc: exited(code), lastTerminated: terminatedState({ exitCode: code }, started, 'id') });
  const ok = status(pod('Never'), [ended(0)]);
  t.is(ok.phase, 'Succeeded');
  t.like(conds(ok), { Ready: 'False/PodCompleted', ContainersReady: 'False/PodCompleted' });
  t.is(ok.conditions!.find((c) => c.type === 'Ready')!.message, undefined);
  t.like(ok.containerStatuses![0]!.state.terminated, { exitCode: 0, reason: 'Completed', startedAt: started, containerID: 'id' });
  t.is(status(pod('OnFailure'), [ended(0), ended(2)]).phase, 'Failed');
  t.is(status(pod('Always'), [ended(0)]).phase, 'Pending', 'about to restart');
});

test('a crash-looping container waits with lastState holding its previous end; the pod stays Running', (t) => {
  const last = terminatedState({ exitCode: 137, signal: 9 }, started, 'old');
  t.like(last, { exitCode: 137, signal: 9, reason: 'Error' });
  const s = status(pod(), [run('app', { proc: exited(137), restartCount: 3, lastTerminated: last, containerID: 'old', waiting: { reason: 'CrashLoopBackOff', message: 'back-off 8s' } })]);
  t.is(s.phase, 'Running');
  const c = s.containerStatuses![0]!;
  t.deepEqual(c.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 8s' } });
  t.deepEqual(c.lastState, { terminated: last });
  t.is(c.restartCount, 3);
  t.is(c.containerID, undefined, 'no container ID while waiting');
});

test('an image outside the catalogue has no imageID', (t) => {
  const c = containerStatus({ ...run('app', { waiting: { reason: 'ErrImagePull' } }), spec: { name: 'app', image: 'no/such' } });
  t.is(c.imageID, '');
  t.deepEqual(c.state, { waiting: { reason: 'ErrImagePull' } });
});

test('a condition keeps its transition time while its status holds; PodScheduled is kept as the scheduler wrote it', (t) => {
  const before = '2025-12-31T00:00:00Z';
  const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: before };
  const p = pod('Always', [scheduled, { type: 'Initialized', status: 'True', lastTransitionTime: before }, { type: 'Ready', status: 'True', lastTransitionTime: before }]);
  const s = status(p, [run('app', { proc: running, started: true })]);
  t.is(s.conditions!.find((c) => c.type === 'Initialized')!.lastTransitionTime, before);
  t.not(s.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime, before, 'Ready flipped to False');
  t.is(s.conditions!.find((c) => c.type === 'PodScheduled'), scheduled);
});

test('the summary sees what only the kubelet decides, not timestamps', (t) => {
  const a = status(pod(), [run('app', { proc: running, ready: true, started: true })]);
  const later = { ...a, startTime: '2030-01-01T00:00:00Z', conditions: a.conditions!.map((c) => ({ ...c, lastTransitionTime: '2030-01-01T00:00:00Z' })) };
  t.is(statusSummary(a), statusSummary(later));
  const notReady = { ...a, conditions: a.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const } : c)) };
  t.not(statusSummary(a), statusSummary(notReady));
});
