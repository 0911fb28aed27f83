// Replica arithmetic (pure): maxSurge and maxUnavailable, how far the new
// ReplicaSet may grow, and proportional scaling over the active ReplicaSets.
import type { Deployment, IntOrString, ReplicaSet } from '../../api/types.js';
import { annotatedInt, maxAnnotation, setReplicasAnnotations } from './annotations.js';

/** GetScaledValueFromIntOrPercent. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v ?? '');
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export const replicasOf = (d: Deployment): number => d.spec.replicas ?? 1;
export const rsReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 1;
export const isRolling = (d: Deployment): boolean => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** ResolveFenceposts: [maxSurge, maxUnavailable], never both zero. */
export function fenceposts(d: Deployment): [number, number] {
  const ru = d.spec.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaledValue(ru?.maxSurge ?? '25%', desired, true);
  const unavailable = scaledValue(ru?.maxUnavailable ?? '25%', desired, false);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

/** MaxSurge: zero for Recreate. */
export function maxSurge(d: Deployment): number {
  return isRolling(d) ? fenceposts(d)[0] : 0;
}

/** MaxUnavailable: zero for Recreate and for zero replicas, never more than the replicas. */
export function maxUnavailable(d: Deployment): number {
  if (!isRolling(d) || replicasOf(d) === 0) return 0;
  return Math.min(fenceposts(d)[1], replicasOf(d));
}

export const sum = (rss: ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + f(rs), 0);
export const specTotal = (rss: ReplicaSet[]): number => sum(rss, rsReplicas);
export const active = (rss: ReplicaSet[]): ReplicaSet[] => rss.filter((rs) => rsReplicas(rs) > 0);

function created(rs: ReplicaSet): number {
  return Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
}

/** Oldest first; the name breaks ties. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

/** Go's math.Round: halves away from zero. */
export function round(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** SetReplicasAnnotations with this Deployment's numbers: desired-replicas and max-replicas (replicas + maxSurge). */
export function annotateReplicas(d: Deployment, rs: ReplicaSet): boolean {
  return setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d));
}

/** NewRSNewReplicas: how far the new ReplicaSet may grow now. */
export function newReplicaSetReplicas(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if (!isRolling(d)) return want;
  const surge = scaledValue(d.spec.strategy?.rollingUpdate?.maxSurge ?? '25%', want, true);
  const current = specTotal(all);
  const maxTotal = want + surge;
  if (current >= maxTotal) return rsReplicas(newRS);
  return rsReplicas(newRS) + Math.min(maxTotal - current, want - rsReplicas(newRS));
}

/** FindActiveOrLatest: the one ReplicaSet with replicas, or the newest when none has any. */
export function activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const all = active([...oldRSs, ...(newRS ? [newRS] : [])]);
  if (all.length === 1) return all[0];
  if (all.length > 1) return undefined;
  return newRS ?? [...oldRSs].sort(byCreation).at(-1);
}

/** getProportion: this ReplicaSet's share of toAdd, within what is left. */
export function proportion(d: Deployment, rs: ReplicaSet, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -rsReplicas(rs);
  else {
    const annotated = annotatedInt(rs, maxAnnotation) ?? d.status?.replicas ?? 0;
    fraction = round((rsReplicas(rs) * (replicasOf(d) + maxSurge(d))) / annotated) - rsReplicas(rs);
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

interface ProportionalScale {
  /** 'up', 'down', or '' when the total is already right. */
  operation: string;
  /** Every active ReplicaSet, in the order upstream writes them, with its new size. */
  sizes: [ReplicaSet, number][];
}

/** The proportional part of scale(): spread the change over the active ReplicaSets by their share of max-replicas; the leftover goes to the first. */
export function proportionalSizes(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ProportionalScale {
  const want = replicasOf(d);
  const all = active([...oldRSs, ...(newRS ? [newRS] : [])]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - specTotal(all);
  let operation = '';
  if (toAdd > 0) {
    all.sort((a, b) => rsReplicas(b) - rsReplicas(a) || created(b) - created(a));
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort((a, b) => rsReplicas(b) - rsReplicas(a) || created(a) - created(b));
    operation = 'down';
  }
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of all) {
    const share = toAdd === 0 ? 0 : proportion(d, rs, toAdd, added);
    sizes.set(rs, rsReplicas(rs) + share);
    added += share;
  }
  return {
    operation,
    sizes: all.map((rs, i) => [rs, i === 0 && toAdd !== 0 ? Math.max(0, sizes.get(rs)! + toAdd - added) : sizes.get(rs)!]),
  };
}
