// RollingUpdate (rolloutRolling): grow the new ReplicaSet within maxSurge,
// shrink the old ones within maxUnavailable. The plans are pure; the sync writes them.
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { complete } from './conditions.js';
import { active, byCreation, maxUnavailable, newReplicaSetReplicas, replicasOf, rsReplicas, specTotal, sum } from './replicas.js';
import type { DeploymentSync } from './sync.js';

/** The new ReplicaSet's next size: down to the replicas at once, up within maxSurge. */
export function newReplicaSetTarget(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if (rsReplicas(newRS) >= want) return want;
  return newReplicaSetReplicas(d, all, newRS);
}

/** How many old replicas may go now: all that is above minAvailable, less the new ReplicaSet's unavailable ones. */
export function maxScaledDown(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  return specTotal(all) - minAvailable - newUnavailable;
}

/** cleanupUnhealthyReplicas: old ReplicaSets lose their unavailable replicas first, oldest first, up to maxCleanup in all. */
export function unhealthyCleanup(oldRSs: ReplicaSet[], maxCleanup: number): [ReplicaSet, number][] {
  const plan: [ReplicaSet, number][] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const unhealthy = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
    const count = Math.min(maxCleanup - total, unhealthy);
    plan.push([rs, rsReplicas(rs) - count]);
    total += count;
  }
  return plan;
}

/** scaleDownOldReplicaSetsForRollingUpdate: the available replicas above minAvailable go, from the oldest ReplicaSets. */
export function oldScaleDown(d: Deployment, all: ReplicaSet[], oldRSs: ReplicaSet[]): [ReplicaSet, number][] {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
  if (available <= minAvailable) return [];
  const toScaleDown = available - minAvailable;
  const plan: [ReplicaSet, number][] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScaleDown) break;
    if (rsReplicas(rs) === 0) continue;
    const count = Math.min(rsReplicas(rs), toScaleDown - total);
    plan.push([rs, rsReplicas(rs) - count]);
    total += count;
  }
  return plan;
}

/** Applies a plan; how many replicas it removed. */
async function apply(s: DeploymentSync, plan: [ReplicaSet, number][]): Promise<number> {
  let removed = 0;
  for (const [rs, size] of plan) {
    removed += rsReplicas(rs) - size;
    await s.scaleAndRecord(rs, size);
  }
  return removed;
}

async function reconcileOldReplicaSets(s: DeploymentSync, all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (specTotal(oldRSs) === 0) return false;
  const most = maxScaledDown(s.d, all, newRS);
  if (most <= 0) return false;
  // Unhealthy old replicas go first: removing them costs no availability.
  const cleaned = await apply(s, unhealthyCleanup(oldRSs, most));
  const scaledDown = await apply(s, oldScaleDown(s.d, [...oldRSs, newRS], oldRSs));
  return cleaned + scaledDown > 0;
}

export async function rolloutRolling(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void> {
  const [newRS, oldRSs] = (await s.replicaSets(rsList, true)) as [ReplicaSet, ReplicaSet[]];
  const all = [...oldRSs, newRS];
  if (await s.scaleAndRecord(newRS, newReplicaSetTarget(s.d, all, newRS))) return s.syncStatus(all, newRS);
  if (await reconcileOldReplicaSets(s, all, active(oldRSs), newRS)) return s.syncStatus(all, newRS);
  if (complete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs);
  return s.syncStatus(all, newRS);
}
