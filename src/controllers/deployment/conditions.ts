// Deployment status (pure): the counts, and the Available and Progressing conditions.
import { timestamp, type Deployment, type ReplicaSet } from '../../api/types.js';
import { maxUnavailable, replicasOf, specTotal, sum } from './replicas.js';
import { getCondition } from '../../api/conditions.js';

export type Status = NonNullable<Deployment['status']>;
type Condition = NonNullable<Status['conditions']>[number];

export const statusOmitEmpty = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'];

export function condition(type: string, status: string, reason: string, message: string): Condition {
  const now = timestamp();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** SetDeploymentCondition: no-op for the same status and reason; keeps lastTransitionTime while the status holds. */
export function setCondition(status: Status, c: Condition): void {
  const current = getCondition({ status }, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

function removeCondition(status: Status, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

/** A progressDeadlineSeconds of MaxInt32 means no deadline (and no Progressing condition). */
export const hasProgressDeadline = (d: Deployment): boolean => (d.spec.progressDeadlineSeconds ?? 600) !== 2147483647;

/** DeploymentComplete. */
export function complete(d: Deployment, s: Status): boolean {
  const want = replicasOf(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: the new status shows more updated, ready or available replicas, or fewer old ones. */
function progressing(d: Deployment, s: Status): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** DeploymentTimedOut. */
export function timedOut(d: Deployment, s: Status, now = Date.now()): boolean {
  const c = getCondition({ status: s }, 'Progressing');
  if (!hasProgressDeadline(d) || !c || c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  return Date.parse(c.lastUpdateTime ?? '') + (d.spec.progressDeadlineSeconds ?? 600) * 1000 < now;
}

/** checkPausedConditions: the status to write when paused or resumed, undefined when nothing changes. */
export function pausedStatus(d: Deployment): Status | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const c = getCondition(d, 'Progressing');
  if (c?.reason === 'ProgressDeadlineExceeded') return undefined; // a reported lack of progress stays
  const pausedShown = c?.reason === 'DeploymentPaused';
  const status = structuredClone(d.status ?? {});
  if (d.spec.paused && !pausedShown) setCondition(status, condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
  else if (!d.spec.paused && pausedShown) setCondition(status, condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
  else return undefined;
  return status;
}

/** calculateStatus: counts from the ReplicaSets' status, plus the Available condition. */
export function calculateStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): Status {
  const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
  const status: Status = {
    observedGeneration: d.metadata.generation,
    replicas: sum(all, (rs) => rs.status?.replicas ?? 0),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sum(all, (rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specTotal(all) - available),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  const collisions = (d.status as Status | undefined)?.collisionCount;
  if (collisions !== undefined) status.collisionCount = collisions;
  if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'));
  else setCondition(status, condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  return status;
}

/** syncRolloutStatus's Progressing condition on a calculated status: complete, progressing, or timed out. */
export function setProgressing(d: Deployment, status: Status, newRS: ReplicaSet | undefined): void {
  if (!hasProgressDeadline(d)) return;
  const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  const current = getCondition(d, 'Progressing');
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (alreadyComplete) return;
  if (complete(d, status)) setCondition(status, condition('Progressing', 'True', 'NewReplicaSetAvailable', `${what} has successfully progressed.`));
  else if (progressing(d, status)) {
    const c = condition('Progressing', 'True', 'ReplicaSetUpdated', `${what} is progressing.`);
    if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
    removeCondition(status, 'Progressing');
    setCondition(status, c);
  } else if (timedOut(d, status)) setCondition(status, condition('Progressing', 'False', 'ProgressDeadlineExceeded', `${what} has timed out progressing.`));
}

/** requeueStuckDeployment: in how many ms to look again (the progress deadline), undefined when no need. */
export function stuckRequeueAfter(d: Deployment, status: Status, now = Date.now()): number | undefined {
  const c = getCondition(d, 'Progressing');
  if (!hasProgressDeadline(d) || !c || complete(d, status) || c.reason === 'ProgressDeadlineExceeded') return undefined;
  const after = Date.parse(c.lastUpdateTime ?? '') + (d.spec.progressDeadlineSeconds ?? 600) * 1000 - now;
  return Math.max(after, 1000);
}
