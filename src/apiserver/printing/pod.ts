// `kubectl get pods`: READY, STATUS (the aggregate reason kubectl users know:
// ContainerCreating, CrashLoopBackOff, Terminating, Completed, Init:0/1...),
// RESTARTS with the time of the last one, and the wide columns.
import { isReady } from '../../api/conditions.js';
import type { ContainerState, ContainerStatus, Pod } from '../../api/types.js';
import { since } from './age.js';
import type { Printer } from './table.js';

interface Terminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  finishedAt?: string;
}

function lastFinished(statuses: ContainerStatus[]): string | undefined {
  let last: string | undefined;
  for (const s of statuses) {
    const at = (s.lastState?.terminated as Terminated | undefined)?.finishedAt;
    if (at && (!last || Date.parse(at) > Date.parse(last))) last = at;
  }
  return last;
}

function terminatedReason(t: Terminated, prefix = ''): string {
  if (t.reason) return prefix + t.reason;
  return t.signal ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
}

/** The init containers' part of STATUS, or undefined once they all succeeded. */
function initStatus(pod: Pod): string | undefined {
  const statuses = (pod.status as { initContainerStatuses?: ContainerStatus[] } | undefined)?.initContainerStatuses ?? [];
  const total = pod.spec.initContainers?.length ?? 0;
  for (const [i, s] of statuses.entries()) {
    const state: ContainerState = s.state ?? {};
    if (state.terminated && state.terminated.exitCode === 0) continue;
    if (state.terminated) return terminatedReason(state.terminated, 'Init:');
    if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') return `Init:${state.waiting.reason}`;
    return `Init:${i}/${total}`;
  }
  return undefined;
}

interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function summarizePod(pod: Pod, now: number): PodSummary {
  const status = pod.status ?? {};
  const containers = status.containerStatuses ?? [];
  let reason: string = status.reason || status.phase || '';
  let ready = 0;
  let restarts = 0;
  const init = initStatus(pod);
  if (init) reason = init;
  else {
    let running = false;
    // Like kubectl, the first container's problem wins: walk backwards so it is seen last.
    for (const c of [...containers].reverse()) {
      restarts += c.restartCount ?? 0;
      const state: ContainerState = c.state ?? {};
      if (state.waiting?.reason) reason = state.waiting.reason;
      else if (state.terminated) reason = terminatedReason(state.terminated);
      else if (c.ready && state.running) {
        running = true;
        ready++;
      }
    }
    if (reason === 'Completed' && running) {
      reason = isReady(pod) ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  const last = lastFinished(containers);
  return {
    ready: `${ready}/${pod.spec.containers.length}`,
    status: reason,
    restarts: restarts > 0 && last ? `${restarts} (${since(last, now)} ago)` : String(restarts),
  };
}

function readinessGates(pod: Pod): string {
  const gates = (pod.spec.readinessGates as { conditionType: string }[] | undefined) ?? [];
  if (gates.length === 0) return '<none>';
  const ok = gates.filter((g) => pod.status?.conditions?.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

export const podPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Ready', type: 'string' },
    { name: 'Status', type: 'string' },
    { name: 'Restarts', type: 'string' },
    { name: 'Age', type: 'string' },
    { name: 'IP', type: 'string', priority: 1 },
    { name: 'Node', type: 'string', priority: 1 },
    { name: 'Nominated Node', type: 'string', priority: 1 },
    { name: 'Readiness Gates', type: 'string', priority: 1 },
  ],
  cells(obj, now) {
    const pod = obj as Pod;
    const s = summarizePod(pod, now);
    const nominated = (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
    return [
      pod.metadata.name!,
      s.ready,
      s.status,
      s.restarts,
      since(pod.metadata.creationTimestamp, now),
      pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>',
      pod.spec.nodeName || '<none>',
      nominated || '<none>',
      readinessGates(pod),
    ];
  },
};
