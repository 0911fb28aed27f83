// A pod's status as the kubelet reports it (pure): phase, conditions and
// containerStatuses from what the pod worker knows of each container's run.
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '../../api/types.js';
import { timestamp } from '../../api/types.js';
import type { ExitInfo } from './cri/cri.js';
import { resolveImage } from './catalogue.js';

/** What the status needs of one container's run (the pod worker's ContainerRun has these). */
export interface ContainerRunView {
  spec: Container;
  restartCount: number;
  /** The current generation; exit is set once it has ended. */
  proc?: { readonly exit: ExitInfo | undefined };
  startedAt?: string;
  lastTerminated?: ContainerState['terminated'];
  /** Set while the container cannot start (image, configuration, crash-loop back-off). */
  waiting?: { reason: string; message?: string };
  /** The readiness probe passes (or there is none) once started. */
  ready: boolean;
  /** The startup probe passed (or there is none). */
  started: boolean;
  containerID?: string;
}

interface PodStatusInput {
  pod: Pod;
  runs: ContainerRunView[];
  /** The pod's sandbox, once created. */
  sandbox?: { ip: string };
  nodeIP: string;
  startTime: string;
}

export function terminatedState(info: ExitInfo, startedAt: string | undefined, id: string | undefined): NonNullable<ContainerState['terminated']> {
  const reason = info.exitCode === 0 ? 'Completed' : 'Error';
  return { exitCode: info.exitCode, ...(info.signal ? { signal: info.signal } : {}), reason, startedAt, finishedAt: timestamp(), ...(id ? { containerID: id } : {}) } as NonNullable<ContainerState['terminated']>;
}

export function containerStatus(run: ContainerRunView): ContainerStatus {
  const c = run.spec;
  let state: ContainerState;
  if (run.waiting) state = { waiting: run.waiting };
  else if (run.proc && !run.proc.exit) state = { running: { startedAt: run.startedAt } };
  else if (run.lastTerminated && run.proc?.exit) state = { terminated: run.lastTerminated };
  else state = { waiting: { reason: 'ContainerCreating' } };
  const status: ContainerStatus = {
    name: c.name,
    state,
    ready: run.ready && !!state.running,
    restartCount: run.restartCount,
    image: c.image ?? '',
    imageID: resolveImage(c.image ?? '') ? `svclab.local/${c.image}` : '',
    started: !!state.running && run.started,
  };
  if (run.containerID && !run.waiting) status.containerID = run.containerID;
  // lastState is the previous run's end, once the container has been restarted.
  if (run.lastTerminated && (state.running || state.waiting)) status.lastState = { terminated: run.lastTerminated };
  return status;
}

/** The whole status; a condition keeps its lastTransitionTime from the pod's current status while it holds. */
export function podStatus(input: PodStatusInput): PodStatus {
  const { pod, sandbox } = input;
  const statuses = input.runs.map(containerStatus);
  const policy = pod.spec.restartPolicy ?? 'Always';
  const allTerminated = statuses.length > 0 && statuses.every((s) => s.state.terminated);
  let phase: PodStatus['phase'] = 'Pending';
  if (allTerminated && policy !== 'Always') phase = statuses.every((s) => s.state.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
  else if (statuses.some((s) => s.state.running || s.restartCount > 0 || s.lastState)) phase = 'Running';
  const ready = statuses.length > 0 && statuses.every((s) => s.ready);
  const previous = pod.status?.conditions ?? [];
  const cond = (type: string, ok: boolean, reason?: string): PodCondition => {
    const status = ok ? 'True' : 'False';
    const old = previous.find((c) => c.type === type);
    const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: old?.status === status ? old.lastTransitionTime : timestamp() };
    if (!ok && reason) c.reason = reason;
    return c;
  };
  const notReadyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
  const conditions: PodCondition[] = [
    cond('PodReadyToStartContainers', !!sandbox),
    cond('Initialized', true),
    cond('Ready', ready, notReadyReason),
    cond('ContainersReady', ready, notReadyReason),
    previous.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', true),
  ];
  for (const c of conditions) {
    if (c.status === 'False' && c.reason === 'ContainersNotReady') {
      const names = statuses.filter((s) => !s.ready).map((s) => s.name);
      c.message = `containers with unready status: [${names.join(' ')}]`;
    }
  }
  const status: PodStatus = { phase, conditions, hostIP: input.nodeIP, hostIPs: [{ ip: input.nodeIP }], startTime: input.startTime, containerStatuses: statuses, qosClass: 'BestEffort' };
  if (sandbox) {
    status.podIP = sandbox.ip;
    status.podIPs = [{ ip: sandbox.ip }];
  }
  return status;
}

/** The parts of a pod status only the kubelet decides, to notice when the API holds another. */
export function statusSummary(s: PodStatus | undefined): string {
  return JSON.stringify([s?.phase, s?.podIP, (s?.conditions ?? []).filter((c) => c.type === 'Ready' || c.type === 'ContainersReady').map((c) => `${c.type}=${c.status}`).sort(), (s?.containerStatuses ?? []).map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {})])]);
}
