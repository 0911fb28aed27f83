// Deployment controller, after pkg/controller/deployment: one ReplicaSet per
// pod template, named <deployment>-<pod-template-hash>; RollingUpdate and
// Recreate rollouts, proportional scaling, revision annotations, status with
// the Available and Progressing conditions, and old ReplicaSets pruned beyond
// revisionHistoryLimit.
import { ApiError } from '../api/errors.js';
import { selectorFromObject, matches } from '../api/labels.js';
import { types } from '../api/resources.js';
import { timestamp, type Deployment, type IntOrString, type LabelSelectorObject, type Pod, type PodTemplateSpec, type ReplicaSet } from '../api/types.js';
import { isNotFound, type ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { claim, controllerRef, ownerReferenceTo, sameStatus, statusPatch } from './ownership.js';
import { WorkQueue } from './workqueue.js';

const component = 'deployment-controller';
const hashLabel = 'pod-template-hash';
const revisionAnnotation = 'deployment.kubernetes.io/revision';
const desiredAnnotation = 'deployment.kubernetes.io/desired-replicas';
const maxAnnotation = 'deployment.kubernetes.io/max-replicas';
// Annotations that stay on the Deployment (annotationsToSkip upstream).
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  'deployment.kubernetes.io/revision-history',
  desiredAnnotation,
  maxAnnotation,
  'deprecated.deployment.rollback.to',
]);

// ---- pod-template-hash ----

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

// rand.SafeEncodeString's alphabet: no vowels, no 0/1/3, so no words and no look-alikes.
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** controller.ComputeHash: FNV-32a over the template (canonical JSON where upstream prints the Go struct), then the collision count, SafeEncodeString'd. */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonical(template)));
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(b, h);
  }
  return [...String(h)].map((c) => safeAlphabet[c.charCodeAt(0) % safeAlphabet.length]).join('');
}

function templateWithoutHash(t: PodTemplateSpec): string {
  const copy = structuredClone(t);
  if (copy.metadata?.labels) delete copy.metadata.labels[hashLabel];
  return canonical(copy);
}

/** EqualIgnoreHash: same template apart from the pod-template-hash label. */
function sameTemplate(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  return templateWithoutHash(a) === templateWithoutHash(b);
}

// ---- replica arithmetic ----

/** GetScaledValueFromIntOrPercent. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v ?? '');
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

const replicasOf = (d: Deployment): number => d.spec.replicas ?? 1;
const rsReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 1;
const isRolling = (d: Deployment): boolean => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** ResolveFenceposts: [maxSurge, maxUnavailable], never both zero. */
export function fenceposts(d: Deployment): [number, number] {
  const ru = d.spec.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaledValue(ru?.maxSurge ?? '25%', desired, true);
  const unavailable = scaledValue(ru?.maxUnavailable ?? '25%', desired, false);
  return surge === 0 && unavailable === 0 ? [0, 1] : [surge, unavailable];
}

function maxSurge(d: Deployment): number {
  return isRolling(d) ? fenceposts(d)[0] : 0;
}

function maxUnavailable(d: Deployment): number {
  if (!isRolling(d) || replicasOf(d) === 0) return 0;
  return Math.min(fenceposts(d)[1], replicasOf(d));
}

const sum = (rss: ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + f(rs), 0);
const specTotal = (rss: ReplicaSet[]): number => sum(rss, rsReplicas);
const active = (rss: ReplicaSet[]): ReplicaSet[] => rss.filter((rs) => rsReplicas(rs) > 0);

function created(rs: ReplicaSet): number {
  return Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
}

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

function revisionOf(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0) || 0;
}

function annotatedInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** Go's math.Round: halves away from zero. */
function round(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

// ---- status and conditions ----

type Status = NonNullable<Deployment['status']>;
type Condition = NonNullable<Status['conditions']>[number];

function condition(type: string, status: string, reason: string, message: string): Condition {
  const now = timestamp();
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

function getCondition(status: Status | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: no-op for the same status and reason; keeps lastTransitionTime while the status holds. */
function setCondition(status: Status, c: Condition): void {
  const current = getCondition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), c];
}

function removeCondition(status: Status, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

const hasProgressDeadline = (d: Deployment): boolean => (d.spec.progressDeadlineSeconds ?? 600) !== 2147483647;

function complete(d: Deployment, s: Status): boolean {
  const want = replicasOf(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function progressing(d: Deployment, s: Status): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

function timedOut(d: Deployment, s: Status): boolean {
  const c = getCondition(s, 'Progressing');
  if (!hasProgressDeadline(d) || !c || c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  return Date.parse(c.lastUpdateTime ?? '') + (d.spec.progressDeadlineSeconds ?? 600) * 1000 < Date.now();
}

const statusOmitEmpty = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'];

// ---- the controller ----

export function startDeploymentController(
  client: ApiClient,
  deployments: Informer<Deployment>,
  replicasets: Informer<ReplicaSet>,
  pods: Informer<Pod>,
  events = new EventRecorder(client, component),
): () => void {
  const queue = new WorkQueue(component, syncDeployment);

  function ownerKey(rs: ReplicaSet | Pod, kind: string): string | undefined {
    const ref = controllerRef(rs);
    if (ref?.kind !== kind) return undefined;
    return `${rs.metadata.namespace}/${ref.name}`;
  }

  function deploymentOf(rs: ReplicaSet): string | undefined {
    const key = ownerKey(rs, 'Deployment');
    return key && deployments.get(key)?.metadata.uid === controllerRef(rs)!.uid ? key : undefined;
  }

  function enqueueSelecting(rs: ReplicaSet): void {
    for (const d of deployments.list()) {
      if (d.metadata.namespace === rs.metadata.namespace && matches(selectorFromObject(d.spec.selector), rs.metadata.labels)) queue.add(cacheKey(d));
    }
  }

  deployments.on({ add: (d) => queue.add(cacheKey(d)), update: (d) => queue.add(cacheKey(d)), delete: (d) => queue.add(cacheKey(d)) });
  replicasets.on({
    add(rs) {
      const key = deploymentOf(rs);
      if (key) queue.add(key);
      else if (!controllerRef(rs)) enqueueSelecting(rs);
    },
    update(rs, old) {
      if (rs.metadata.resourceVersion === old.metadata.resourceVersion) return;
      const oldKey = deploymentOf(old);
      const key = deploymentOf(rs);
      if (oldKey && oldKey !== key) queue.add(oldKey);
      if (key) queue.add(key);
      else if (!controllerRef(rs)) enqueueSelecting(rs);
    },
    delete(rs) {
      const key = deploymentOf(rs);
      if (key) queue.add(key);
    },
  });
  pods.on({
    // Recreate waits for the old pods to be gone.
    delete(pod) {
      const rsKey = ownerKey(pod, 'ReplicaSet');
      const rs = rsKey ? replicasets.get(rsKey) : undefined;
      const key = rs ? deploymentOf(rs) : undefined;
      if (key && deployments.get(key)?.spec.strategy?.type === 'Recreate') queue.add(key);
    },
  });
  for (const d of deployments.list()) queue.add(cacheKey(d));

  async function syncDeployment(key: string): Promise<void> {
    const cached = deployments.get(key);
    if (!cached) return;
    await new Sync(structuredClone(cached)).run();
  }

  /** One pass over one Deployment; d is a private copy whose status and resourceVersion follow our writes. */
  class Sync {
    constructor(private readonly d: Deployment) {}

    private get name(): string {
      return this.d.metadata.name!;
    }

    private get ns(): string {
      return this.d.metadata.namespace!;
    }

    async run(): Promise<void> {
      const d = this.d;
      const selector = selectorFromObject(d.spec.selector);
      if (selector.length === 0) {
        void events.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
        if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) await this.writeStatus({ ...d.status, observedGeneration: d.metadata.generation });
        return;
      }
      const rsList = structuredClone(
        await claim({
          client,
          owner: d,
          selector,
          type: types.replicasets,
          candidates: replicasets.list().filter((rs) => rs.metadata.namespace === this.ns),
          canAdopt: async () => {
            const fresh = await client.get<Deployment>(types.deployments, this.name, this.ns);
            return fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
          },
        }),
      ).sort(byCreation);
      if (d.metadata.deletionTimestamp) {
        const [newRS, oldRSs] = await this.replicaSets(rsList, false);
        return this.syncStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, false);
      }
      await this.checkPausedCondition();
      if (d.spec.paused || (await this.isScalingEvent(rsList))) return this.scaleOnly(rsList);
      if (d.spec.strategy?.type === 'Recreate') return this.rolloutRecreate(rsList);
      return this.rolloutRolling(rsList);
    }

    // ---- ReplicaSets and revisions ----

    /** getAllReplicaSetsAndSyncRevision: [new, old]; creates the new one when asked. */
    private async replicaSets(rsList: ReplicaSet[], create: boolean): Promise<[ReplicaSet | undefined, ReplicaSet[]]> {
      const existing = rsList.find((rs) => sameTemplate(rs.spec.template, this.d.spec.template));
      const oldRSs = rsList.filter((rs) => rs !== existing);
      const newRevision = String(Math.max(0, ...oldRSs.map(revisionOf)) + 1);
      if (existing) return [await this.syncNewReplicaSet(existing, newRevision), oldRSs];
      if (!create) return [undefined, oldRSs];
      return [await this.createNewReplicaSet(oldRSs, newRevision), oldRSs];
    }

    /** copyDeploymentAnnotationsToReplicaSet + SetNewReplicaSetAnnotations; true when rs changed. */
    private annotate(rs: ReplicaSet, revision: string, exists: boolean): boolean {
      const annotations = (rs.metadata.annotations ??= {});
      let changed = false;
      const set = (k: string, v: string): void => {
        if (annotations[k] !== v) {
          annotations[k] = v;
          changed = true;
        }
      };
      for (const [k, v] of Object.entries(this.d.metadata.annotations ?? {})) if (!notCopied.has(k)) set(k, v);
      const current = annotations[revisionAnnotation];
      if (current === undefined || Number(current) < Number(revision)) set(revisionAnnotation, revision);
      if (!exists) changed = this.annotateReplicas(rs) || changed;
      return changed;
    }

    /** SetReplicasAnnotations: desired-replicas and max-replicas (replicas + maxSurge). */
    private annotateReplicas(rs: ReplicaSet): boolean {
      const annotations = (rs.metadata.annotations ??= {});
      const desired = String(replicasOf(this.d));
      const max = String(replicasOf(this.d) + maxSurge(this.d));
      if (annotations[desiredAnnotation] === desired && annotations[maxAnnotation] === max) return false;
      annotations[desiredAnnotation] = desired;
      annotations[maxAnnotation] = max;
      return true;
    }

    private async syncNewReplicaSet(rs: ReplicaSet, revision: string): Promise<ReplicaSet> {
      const d = this.d;
      const annotationsChanged = this.annotate(rs, revision, true);
      const minReady = d.spec.minReadySeconds ?? 0;
      if (annotationsChanged || (rs.spec.minReadySeconds ?? 0) !== minReady) {
        const patch = { metadata: { resourceVersion: rs.metadata.resourceVersion, annotations: rs.metadata.annotations }, spec: { minReadySeconds: minReady } };
        return Object.assign(rs, await client.patch<ReplicaSet>(types.replicasets, rs.metadata.name!, patch, this.ns));
      }
      await this.setRevision(rs.metadata.annotations?.[revisionAnnotation]);
      if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
        const status = structuredClone(d.status ?? {});
        setCondition(status, condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name}"`));
        await this.writeStatus(status);
      }
      return rs;
    }

    private async createNewReplicaSet(oldRSs: ReplicaSet[], revision: string): Promise<ReplicaSet> {
      const d = this.d;
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
      rs.spec.replicas = this.newReplicaSetReplicas([...oldRSs, rs], rs);
      this.annotate(rs, revision, false);
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
          void events.event(d, 'Warning', 'ReplicaSetCreateError', msg);
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
      if (!alreadyExisted && rsReplicas(made) > 0) {
        void events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${made.metadata.name} from 0 to ${rsReplicas(made)}`);
      }
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
      const updated = await client.patch<Deployment>(types.deployments, this.name, { metadata: { resourceVersion: d.metadata.resourceVersion, annotations: { [revisionAnnotation]: revision } } }, this.ns);
      d.metadata.resourceVersion = updated.metadata.resourceVersion;
      d.metadata.annotations = updated.metadata.annotations;
    }

    /** NewRSNewReplicas: how far the new ReplicaSet may grow now. */
    private newReplicaSetReplicas(all: ReplicaSet[], newRS: ReplicaSet): number {
      const want = replicasOf(this.d);
      if (!isRolling(this.d)) return want;
      const surge = scaledValue(this.d.spec.strategy?.rollingUpdate?.maxSurge ?? '25%', want, true);
      const current = specTotal(all);
      const maxTotal = want + surge;
      if (current >= maxTotal) return rsReplicas(newRS);
      return rsReplicas(newRS) + Math.min(maxTotal - current, want - rsReplicas(newRS));
    }

    // ---- scaling ----

    /** scaleReplicaSet: size and replica annotations in one write; an event when the size changed. */
    private async scaleReplicaSet(rs: ReplicaSet, size: number, operation: string): Promise<boolean> {
      const from = rsReplicas(rs);
      const annotationsChanged = this.annotateReplicas(rs);
      if (from === size && !annotationsChanged) return false;
      const patch = { metadata: { resourceVersion: rs.metadata.resourceVersion, annotations: rs.metadata.annotations }, spec: { replicas: size } };
      const updated = await client.patch<ReplicaSet>(types.replicasets, rs.metadata.name!, patch, this.ns);
      Object.assign(rs, updated);
      if (from !== size) void events.event(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${from} to ${size}`);
      return from !== size;
    }

    private scaleAndRecord(rs: ReplicaSet, size: number): Promise<boolean> {
      if (rsReplicas(rs) === size) return Promise.resolve(false);
      return this.scaleReplicaSet(rs, size, rsReplicas(rs) < size ? 'up' : 'down');
    }

    private async isScalingEvent(rsList: ReplicaSet[]): Promise<boolean> {
      const [newRS, oldRSs] = await this.replicaSets(rsList, false);
      return active([...oldRSs, ...(newRS ? [newRS] : [])]).some((rs) => {
        const desired = annotatedInt(rs, desiredAnnotation);
        return desired !== undefined && desired !== replicasOf(this.d);
      });
    }

    /** sync(): a scaling event or a paused Deployment: resize without rolling. */
    private async scaleOnly(rsList: ReplicaSet[]): Promise<void> {
      const [newRS, oldRSs] = await this.replicaSets(rsList, false);
      await this.scale(newRS, oldRSs);
      if (this.d.spec.paused) await this.cleanup(oldRSs);
      await this.syncStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, false);
    }

    private async scale(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
      const d = this.d;
      const want = replicasOf(d);
      const only = this.activeOrLatest(newRS, oldRSs);
      if (only) {
        await this.scaleAndRecord(only, want);
        return;
      }
      if (newRS && rsReplicas(newRS) === want && annotatedInt(newRS, desiredAnnotation) === want && (newRS.status?.availableReplicas ?? 0) === want) {
        for (const rs of active(oldRSs)) await this.scaleAndRecord(rs, 0);
        return;
      }
      if (!isRolling(d)) return;
      // Proportional scaling: spread the change over the active ReplicaSets by their share of max-replicas.
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
        const proportion = toAdd === 0 ? 0 : this.proportion(rs, toAdd, added);
        sizes.set(rs, rsReplicas(rs) + proportion);
        added += proportion;
      }
      for (const [i, rs] of all.entries()) {
        if (i === 0 && toAdd !== 0) sizes.set(rs, Math.max(0, sizes.get(rs)! + toAdd - added));
        await this.scaleReplicaSet(rs, sizes.get(rs)!, operation);
      }
    }

    /** FindActiveOrLatest: the one ReplicaSet with replicas, or the newest when none has any. */
    private activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
      if (!newRS && oldRSs.length === 0) return undefined;
      const all = active([...oldRSs, ...(newRS ? [newRS] : [])]);
      if (all.length === 1) return all[0];
      if (all.length > 1) return undefined;
      return newRS ?? [...oldRSs].sort(byCreation).at(-1);
    }

    /** getProportion: this ReplicaSet's share of toAdd, within what is left. */
    private proportion(rs: ReplicaSet, toAdd: number, added: number): number {
      if (rsReplicas(rs) === 0 || toAdd === added) return 0;
      const d = this.d;
      let fraction: number;
      if (replicasOf(d) === 0) fraction = -rsReplicas(rs);
      else {
        const annotated = annotatedInt(rs, maxAnnotation) ?? d.status?.replicas ?? 0;
        fraction = round((rsReplicas(rs) * (replicasOf(d) + maxSurge(d))) / annotated) - rsReplicas(rs);
      }
      const allowed = toAdd - added;
      return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    // ---- rollouts ----

    private async rolloutRolling(rsList: ReplicaSet[]): Promise<void> {
      const [newRS, oldRSs] = (await this.replicaSets(rsList, true)) as [ReplicaSet, ReplicaSet[]];
      const all = [...oldRSs, newRS];
      if (await this.reconcileNewReplicaSet(all, newRS)) return this.syncStatus(all, newRS);
      if (await this.reconcileOldReplicaSets(all, active(oldRSs), newRS)) return this.syncStatus(all, newRS);
      if (complete(this.d, this.d.status ?? {})) await this.cleanup(oldRSs);
      return this.syncStatus(all, newRS);
    }

    private async reconcileNewReplicaSet(all: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
      const want = replicasOf(this.d);
      if (rsReplicas(newRS) === want) return false;
      if (rsReplicas(newRS) > want) return this.scaleAndRecord(newRS, want);
      return this.scaleAndRecord(newRS, this.newReplicaSetReplicas(all, newRS));
    }

    private async reconcileOldReplicaSets(all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
      if (specTotal(oldRSs) === 0) return false;
      const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
      const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
      const maxScaledDown = specTotal(all) - minAvailable - newUnavailable;
      if (maxScaledDown <= 0) return false;
      // Unhealthy old replicas go first: removing them costs no availability.
      const cleaned = await this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
      const scaledDown = await this.scaleDownOldForRollingUpdate([...oldRSs, newRS], oldRSs);
      return cleaned + scaledDown > 0;
    }

    private async cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanup: number): Promise<number> {
      let total = 0;
      for (const rs of [...oldRSs].sort(byCreation)) {
        if (total >= maxCleanup) break;
        const unhealthy = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
        if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
        const count = Math.min(maxCleanup - total, unhealthy);
        await this.scaleAndRecord(rs, rsReplicas(rs) - count);
        total += count;
      }
      return total;
    }

    private async scaleDownOldForRollingUpdate(all: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
      const minAvailable = replicasOf(this.d) - maxUnavailable(this.d);
      const available = sum(all, (rs) => rs.status?.availableReplicas ?? 0);
      if (available <= minAvailable) return 0;
      const toScaleDown = available - minAvailable;
      let total = 0;
      for (const rs of [...oldRSs].sort(byCreation)) {
        if (total >= toScaleDown) break;
        if (rsReplicas(rs) === 0) continue;
        const count = Math.min(rsReplicas(rs), toScaleDown - total);
        await this.scaleAndRecord(rs, rsReplicas(rs) - count);
        total += count;
      }
      return total;
    }

    private async rolloutRecreate(rsList: ReplicaSet[]): Promise<void> {
      let [newRS, oldRSs] = await this.replicaSets(rsList, false);
      let all = [...oldRSs, ...(newRS ? [newRS] : [])];
      let scaledDown = false;
      for (const rs of active(oldRSs)) scaledDown = (await this.scaleAndRecord(rs, 0)) || scaledDown;
      if (scaledDown || this.oldPodsRunning(newRS, oldRSs)) return this.syncStatus(all, newRS);
      if (!newRS) {
        [newRS, oldRSs] = await this.replicaSets(rsList, true);
        all = [...oldRSs, newRS!];
      }
      await this.scaleAndRecord(newRS!, replicasOf(this.d));
      if (complete(this.d, this.d.status ?? {})) await this.cleanup(oldRSs);
      return this.syncStatus(all, newRS);
    }

    /** Recreate starts new pods only once no old pod is left running (terminating ones included). */
    private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
      if (sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
      const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
      return pods.list().some((p) => {
        const uid = controllerRef(p)?.uid;
        return p.metadata.namespace === this.ns && uid !== newRS?.metadata.uid && oldUids.has(uid) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
      });
    }

    /** cleanupDeployment: delete the oldest empty ReplicaSets beyond revisionHistoryLimit. */
    private async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
      const limit = this.d.spec.revisionHistoryLimit ?? 10;
      const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
      const diff = cleanable.length - limit;
      if (diff <= 0) return;
      cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
      for (const rs of cleanable.slice(0, diff)) {
        if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
        try {
          await client.delete(types.replicasets, rs.metadata.name!, this.ns, { preconditions: { uid: rs.metadata.uid } });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }

    // ---- status ----

    private async checkPausedCondition(): Promise<void> {
      const d = this.d;
      if (!hasProgressDeadline(d)) return;
      const c = getCondition(d.status, 'Progressing');
      if (c?.reason === 'ProgressDeadlineExceeded') return; // a reported lack of progress stays
      const pausedShown = c?.reason === 'DeploymentPaused';
      const status = structuredClone(d.status ?? {});
      if (d.spec.paused && !pausedShown) setCondition(status, condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
      else if (!d.spec.paused && pausedShown) setCondition(status, condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
      else return;
      await this.writeStatus(status);
    }

    /** calculateStatus: counts from the ReplicaSets' status, plus the Available condition. */
    private calculateStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined): Status {
      const d = this.d;
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

    /** syncRolloutStatus (withProgress) or syncDeploymentStatus. */
    private async syncStatus(all: ReplicaSet[], newRS: ReplicaSet | undefined, withProgress = true): Promise<void> {
      const d = this.d;
      const status = this.calculateStatus(all, newRS);
      const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${this.name}"`;
      if (withProgress && hasProgressDeadline(d)) {
        const current = getCondition(d.status, 'Progressing');
        const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
        if (!alreadyComplete) {
          if (complete(d, status)) setCondition(status, condition('Progressing', 'True', 'NewReplicaSetAvailable', `${what} has successfully progressed.`));
          else if (progressing(d, status)) {
            const c = condition('Progressing', 'True', 'ReplicaSetUpdated', `${what} is progressing.`);
            if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
            removeCondition(status, 'Progressing');
            setCondition(status, c);
          } else if (timedOut(d, status)) setCondition(status, condition('Progressing', 'False', 'ProgressDeadlineExceeded', `${what} has timed out progressing.`));
        }
      }
      if (!(await this.writeStatus(status)) && withProgress) this.requeueStuck(status);
    }

    /** requeueStuckDeployment: look again when the progress deadline passes. */
    private requeueStuck(status: Status): void {
      const d = this.d;
      const c = getCondition(d.status, 'Progressing');
      if (!hasProgressDeadline(d) || !c || complete(d, status) || c.reason === 'ProgressDeadlineExceeded') return;
      const after = Date.parse(c.lastUpdateTime ?? '') + (d.spec.progressDeadlineSeconds ?? 600) * 1000 - Date.now();
      queue.addAfter(cacheKey(d), Math.max(after, 1000));
    }

    /** Writes status when it differs; false when there was nothing to write. */
    private async writeStatus(status: Status): Promise<boolean> {
      const patch = statusPatch(status as Record<string, unknown>, statusOmitEmpty);
      if (sameStatus(this.d.status as Record<string, unknown> | undefined, patch)) return false;
      const updated = await client.patch<Deployment>(types.deployments, this.name, { metadata: { resourceVersion: this.d.metadata.resourceVersion }, status: patch }, this.ns, 'status');
      this.d.metadata.resourceVersion = updated.metadata.resourceVersion;
      this.d.status = updated.status;
      return true;
    }
  }

  return () => queue.stop();
}
