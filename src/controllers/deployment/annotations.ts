// The annotations a Deployment and its ReplicaSets carry: revision, desired and max replicas.
import type { Deployment, ReplicaSet } from '../../api/types.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const desiredAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxAnnotation = 'deployment.kubernetes.io/max-replicas';
// Annotations that stay on the Deployment (annotationsToSkip upstream).
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  'deployment.kubernetes.io/revision-history',
  desiredAnnotation,
  maxAnnotation,
  'deprecated.deployment.rollback.to',
]);

export function revisionOf(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0) || 0;
}

export function annotatedInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** copyDeploymentAnnotationsToReplicaSet + the revision of SetNewReplicaSetAnnotations; true when rs changed. */
export function copyAnnotations(d: Deployment, rs: ReplicaSet, revision: string): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  const set = (k: string, v: string): void => {
    if (annotations[k] !== v) {
      annotations[k] = v;
      changed = true;
    }
  };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!notCopied.has(k)) set(k, v);
  const current = annotations[revisionAnnotation];
  if (current === undefined || Number(current) < Number(revision)) set(revisionAnnotation, revision);
  return changed;
}

/** SetReplicasAnnotations; true when rs changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  if (annotations[desiredAnnotation] === String(desired) && annotations[maxAnnotation] === String(max)) return false;
  annotations[desiredAnnotation] = String(desired);
  annotations[maxAnnotation] = String(max);
  return true;
}
