// The writers of one sync pass over one Deployment: the new ReplicaSet and its
// revision, scaling, history cleanup and status. What to write comes from the pure modules.
import { ApiError } from '../../api/errors.js';
import { types } from '../../api/resources.js';
import type { Deployment, LabelSelectorObject, Pod, ReplicaSet } from '../../api/types.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import type { EventRecorder, EventType } from '../../client/events.js';
import { controllerRef, ownerReferenceTo, sameStatus, statusPatch } from '../ownership.js';
import { annotatedInt, copyAnnotations, desiredAnnotation, revisionAnnotation, revisionOf } from './annotations.js';
import { calculateStatus, condition, hasProgressDeadline, pausedStatus, setCondition, setProgressing, statusOmitEmpty, stuckRequeueAfter, type Status } from './conditions.js';
import { getCondition } from '../../api/conditions.js';
import { computeHash, hashLabel, sameTemplate } from './hash.js';
import { active, activeOrLatest, annotateReplicas, byCreation, isRolling, newReplicaSetReplicas, proportionalSizes, replicasOf, rsReplicas } from './replicas.js';

interface SyncContext {
  client: ApiClient;
  events: EventRecorder;
  /** The pods as the informer holds them now. */
  pods: () => Pod[];
  /** Look at this Deployment again after ms. */
  requeueAfter: (ms: number) => void;
}

/** One pass over one Deployment; d is a private copy whose status and resourceVersion follow our writes. */
export class DeploymentSync {
  constructor(
    private readonly ctx: SyncContext,
    readonly d: Deployment,
  ) {}

  get name(): string {
    return this.d.metadata.name!;
  }

  get ns(): string {
    return this.d.metadata.namespace!;
  }

  pods(): Pod[] {
    return this.ctx.pods();
  }

  event(type: EventType, reason: string, message: string): void {
    void this.ctx.events.event(this.d, type, reason, message);
  }

  // ---- ReplicaSets and revisions ----

  /** getAllReplicaSetsAndSyncRevision: [new, old]; creates the new one when asked. */
  async replicaSets(rsList: ReplicaSet[], create: boolean): Promise<[ReplicaSet | undefined, ReplicaSet[]]> {
    const existing = rsList.find((rs) => sameTemplate(rs.spec.template, this.d.spec.template));
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = String(Math.max(0, ...oldRSs.map(revisionOf)) + 1);
    if (existing) return [await this.syncNewReplicaSet(existing, newRevision), oldRSs];
    if (!create) return [undefined, oldRSs];
    return [await this.createNewReplicaSet(oldRSs, newRevision), oldRSs];
  }

  private async syncNewReplicaSet(rs: ReplicaSet, revision: string): Promise<ReplicaSet> {
    const d = this.d;
    const annotationsChanged = copyAnnotations(d, rs, revision);
    const minReady = d.spec.minReadySeconds ?? 0;
    if (annotationsChanged || (rs.spec.minReadySeconds ?? 0) !== minReady) {
      const patch = { metadata: { resourceVersion: rs.metadata.resourceVersion, annotations: rs.metadata.annotations }, spec: { minReadySeconds: minReady } };
      return Object.assign(rs, await this.ctx.client.patch<ReplicaSet>(types.replicasets, rs.metadata.name!, patch, this.ns));
    }
    await this.setRevision(rs.metadata.annotations?.[revisionAnnotation]);
    if (hasProgressDeadline(d) && !getCondition(d, 'Progressing')) {
      const status = structuredClone(d.status ?? {});
      setCondition(status, condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name}"`));
      await this.writeStatus(status);
    }
    return rs;
  }

  private async createNewReplicaSet(oldRSs: ReplicaSet[], revision: string): Promise<ReplicaSet> {
    const d = this.d;
    const client = this.ctx.client;
    const hash = computeHash(d.spec.template, (d.status as Status | undefined)?.collisionCount);
    const template = structuredClone(d.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [hashLabel]: hash } };
    const selector: LabelSelectorObject = { ...structuredClone(d.spec.selector), matchLabels: { ...d.spec.selector.matchLabels, [hashLabel]: hash } };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${this.name}-${hash}`, namespace: this.ns, labels: template.metadata.labels, ownerReferences: [ownerReferenceTo(d)] },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = newReplicaSetReplicas(d, [...oldRSs, rs], rs);
    copyAnnotations(d, rs, revision);
    annotateReplicas(d, rs);
    let made: ReplicaSet;
    let alreadyExisted = false;
    try {
      made = await client.create<ReplicaSet>(types.replicasets, rs, this.ns);
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) {
        const msg = `Failed to create new replica set "${rs.metadata.name}": ${(e as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setCondition(status, condition('Progressing', 'False', 'ReplicaSetCreateError', msg));
          await this.writeStatus(status).catch(() => undefined); // the create error is the one to report
        }
        this.event('Warning', 'ReplicaSetCreateError', msg);
        throw e;
      }
      // Ours already (a slow cache), or a hash collision with someone else's ReplicaSet.
      const other = await client.get<ReplicaSet>(types.replicasets, rs.metadata.name!, this.ns);
      if (controllerRef(other)?.uid !== d.metadata.uid || !sameTemplate(other.spec.template, d.spec.template)) {
        await this.writeStatus({ ...d.status, collisionCount: ((d.status as Status | undefined)?.collisionCount ?? 0) + 1 });
        throw e;
      }
      made = other;
      alreadyExisted = true;
    }
    if (!alreadyExisted && rsReplicas(made) > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${made.metadata.name} from 0 to ${rsReplicas(made)}`);
    await this.setRevision(revision);
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const status = structuredClone(d.status ?? {});
      setCondition(status, condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${made.metadata.name}"`));
      await this.writeStatus(status);
    }
    return made;
  }

  /** SetDeploymentRevision: the Deployment carries its newest ReplicaSet's revision. */
  private async setRevision(revision: string | undefined): Promise<void> {
    const d = this.d;
    if (revision === undefined || d.metadata.annotations?.[revisionAnnotation] === revision) return;
    const updated = await this.ctx.client.patch<Deployment>(types.deployments, this.name, { metadata: { resourceVersion: d.metadata.resourceVersion, annotations: { [revisionAnnotation]: revision } } }, this.ns);
    d.metadata.resourceVersion = updated.metadata.resourceVersion;
    d.metadata.annotations = updated.metadata.annotations;
  }

  // ---- scaling ----

  /** scaleReplicaSet: size and replica annotations in one write; an event when the size changed. */
  private async scaleReplicaSet(rs: ReplicaSet, size: number, operation: string): Promise<boolean> {
    const from = rsReplicas(rs);
    const annotationsChanged = annotateReplicas(this.d, rs);
    if (from === size && !annotationsChanged) return false;
    const patch = { metadata: { resourceVersion: rs.metadata.resourceVersion, annotations: rs.metadata.annotations }, spec: { replicas: size } };
    const updated = await this.ctx.client.patch<ReplicaSet>(types.replicasets, rs.metadata.name!, patch, this.ns);
    Object.assign(rs, updated);
    if (from !== size) this.event('Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${from} to ${size}`);
    return from !== size;
  }

  /** Resizes rs (and records the event) when size differs; true when it did. */
  scaleAndRecord(rs: ReplicaSet, size: number): Promise<boolean> {
    if (rsReplicas(rs) === size) return Promise.resolve(false);
    return this.scaleReplicaSet(rs, size, rsReplicas(rs) < size ? 'up' : 'down');
  }

  /** isScalingEvent: an active ReplicaSet's desired-replicas differs from the Deployment's replicas. */
  async isScalingEvent(rsList: ReplicaSet[]): Promise<boolean> {
    const [newRS, oldRSs] = await this.replicaSets(rsList, false);
    return active([...oldRSs, ...(newRS ? [newRS] : [])]).some((rs) => {
      const desired = annotatedInt(rs, desiredAnnotation);
      return desired !== undefined && desired !== replicasOf(this.d);
    });
  }

  /** sync(): a scaling event or a paused Deployment: resize without rolling. */
  async scaleOnly(rsList: ReplicaSet[]): Promise<void> {
    const [newRS, oldRSs] = await this.replicaSets(rsList, false);
    await this.scale(newRS, oldRSs);
    if (this.d.spec.paused) await this.cleanup(oldRSs);
    await this.syncStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, false);
  }

  private async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = this.d;
    const want = replicasOf(d);
    const only = activeOrLatest(newRS, oldRSs);
    if (only) {
      await this.scaleAndRecord(only, want);
      return;
    }
    if (newRS && rsReplicas(newRS) === want && annotatedInt(newRS, desiredAnnotation) === want && (newRS.status?.availableReplicas ?? 0) === want) {
      for (const rs of active(oldRSs)) await this.scaleAndRecord(rs, 0);
      return;
    }
    if (!isRolling(d)) return;
    const { operation, sizes } = proportionalSizes(d, newRS, oldRSs);
    for (const [rs, size] of sizes) await this.scaleReplicaSet(rs, size, operation);
  }

  /** cleanupDeployment: delete the oldest empty ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec.revisionHistoryLimit ?? 10;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.ctx.client.delete(types.replicasets, rs.metadata.name!, this.ns, { preconditions: { uid: rs.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }

  // ---- status ----

  async checkPausedCondition(): Promise<void> {
    const status = pausedStatus(this.d);
    if (status) await this.writeStatus(status);
  }

  /** syncRolloutStatus (withProgress) or syncDeploymentStatus. */
  async syncStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined, withProgress = true): Promise<void> {
    const status = calculateStatus(this.d, all, newRS);
    if (withProgress) setProgressing(this.d, status, newRS);
    if (!(await this.writeStatus(status)) && withProgress) {
      const after = stuckRequeueAfter(this.d, status);
      if (after !== undefined) this.ctx.requeueAfter(after);
    }
  }

  /** Writes status when it differs; false when there was nothing to write. */
  async writeStatus(status: Status): Promise<boolean> {
    const patch = statusPatch(status as Record<string, unknown>, statusOmitEmpty);
    if (sameStatus(this.d.status as Record<string, unknown> | undefined, patch)) return false;
    const updated = await this.ctx.client.patch<Deployment>(types.deployments, this.name, { metadata: { resourceVersion: this.d.metadata.resourceVersion }, status: patch }, this.ns, 'status');
    this.d.metadata.resourceVersion = updated.metadata.resourceVersion;
    this.d.status = updated.status;
    return true;
  }
}
