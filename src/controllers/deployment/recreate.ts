// Recreate (rolloutRecreate): every old pod stops before the first new one starts.
import type { Pod, ReplicaSet } from '../../api/types.js';
import { controllerRef } from '../ownership.js';
import { complete } from './conditions.js';
import { active, replicasOf, sum } from './replicas.js';
import type { DeploymentSync } from './sync.js';

/** Whether an old pod is still there (terminating ones included): Recreate waits for none. */
export function oldPodsRunning(pods: Pod[], ns: string, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
  if (sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
  const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
  return pods.some((p) => {
    const uid = controllerRef(p)?.uid;
    return p.metadata.namespace === ns && uid !== newRS?.metadata.uid && oldUids.has(uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
  });
}

export async function rolloutRecreate(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void> {
  let [newRS, oldRSs] = await s.replicaSets(rsList, false);
  let all = [...oldRSs, ...(newRS ? [newRS] : [])];
  let scaledDown = false;
  for (const rs of active(oldRSs)) scaledDown = (await s.scaleAndRecord(rs, 0)) || scaledDown;
  if (scaledDown || oldPodsRunning(s.pods(), s.ns, newRS, oldRSs)) return s.syncStatus(all, newRS);
  if (!newRS) {
    [newRS, oldRSs] = await s.replicaSets(rsList, true);
    all = [...oldRSs, newRS!];
  }
  await s.scaleAndRecord(newRS!, replicasOf(s.d));
  if (complete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs);
  return s.syncStatus(all, newRS);
}
