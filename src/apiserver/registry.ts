// Generic REST semantics shared by every resource type (create, update, patch,
// delete, status subresource), parameterised by a per-type Strategy, the way
// k8s.io/apiserver's generic registry is. Nothing is stored unless every check passed.
import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type protobuf from 'protobufjs';
import {
  alreadyExists,
  ApiError,
  badRequest,
  forbidden,
  invalid,
  notFound,
  staleConflict,
} from '../api/errors.js';
import { apiVersionOf, typeKey, type ResourceType } from '../api/resources.js';
import { timestamp, type KubeObject } from '../api/types.js';
import { dropNulls, jsonTypeError, messageFor, unknownFields } from '../api/schema/index.js';
import { fieldErrors, goPlusV, type FieldError } from '../api/validation/field.js';
import { validateObjectMeta, type NameValidator } from '../api/validation/meta.js';
import { dns1123Subdomain } from '../api/validation/names.js';
import { applyJsonPatch, isPlainObject, mergePatch, type PatchType } from './patch.js';
import { ConflictError, type ObjectStore } from './store.js';
import type { AdmissionWrite } from './admission/admission.js';
import { appliedObject, strategicMergePatch } from './strategic-merge.js';
import type { UserInfo } from './auth/user.js';

export interface Strategy {
  type: ResourceType;
  validateName?: NameValidator;
  /** What decoding the versioned object does upstream (e.g. base64 values); throws a 400 ApiError. */
  decode?(obj: KubeObject): void;
  /** Fills server-side defaults; runs on create and update. */
  defaults?(obj: KubeObject): void;
  /** Admission on create (upstream's mutating admission plugins): may change the object, wait on others, or refuse with an ApiError. */
  admit?(obj: KubeObject, namespace: string | undefined, dryRun: boolean): Promise<void>;
  /** Called on create only, before defaults (e.g. reset status); user: who creates it (upstream's user from the request context). */
  prepareCreate?(obj: KubeObject, user: UserInfo | undefined): void;
  /** Update only, before defaults: carry stored values over (what the user left out). */
  prepareUpdate?(obj: KubeObject, old: KubeObject): void;
  /** subresource: the update's subresource (status, or one of updateSubresources), when it came through one. */
  validate?(obj: KubeObject, old: KubeObject | undefined, subresource?: string): FieldError[];
  /** Subresources besides status that update a part of the object through the registry (a CSR's approval). */
  updateSubresources?: string[];
  /** An update through a subresource, after the generic status handling: keep what that subresource may not change. */
  prepareSubresourceUpdate?(subresource: string, obj: KubeObject, old: KubeObject): void;
  /**
   * Allocations and cross-object checks; throws ApiError to refuse. A dry run must reserve nothing.
   * What is reserved is rolled back when the write fails and committed once it is stored.
   */
  beforeCreate?(obj: KubeObject, dryRun: boolean): Promise<Reservation | void> | void;
  beforeUpdate?(obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<Reservation | void> | void;
  afterDelete?(obj: KubeObject): Promise<void> | void;
  /** Returns the object to store instead of deleting it now (graceful deletion). */
  gracefulDelete?(obj: KubeObject, options: DeleteOptions): KubeObject | undefined;
}

/** What a strategy took for a write (e.g. a cluster IP): given back when the write fails; commit() runs once it is stored. */
export interface Reservation {
  rollback(): Promise<void>;
  commit(): Promise<void>;
}

/** The write surely did not happen: the store refused it (another writer won) or could not serialize it. */
function surelyNotStored(e: unknown): boolean {
  return e instanceof ConflictError || e instanceof TypeError;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: string;
  /** Unknown fields: Strict refuses the write, Warn (the default) adds to warnings, Ignore does neither. */
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  /** Collects the warnings of the write, for the response's Warning headers. */
  warnings?: string[];
  /** Strict errors found while decoding the body (duplicate fields), reported with the unknown fields. */
  strictErrors?: string[];
  /** Where a strict error arises in the body (create and update), for Go's document order. */
  orderOf?: (error: string) => number;
  /** Validating admission of the write about to be stored, knowing who makes it (RBAC's escalation check, NodeRestriction, CSR signers); throws to refuse. */
  admit?: (w: AdmissionWrite) => void;
  /** Who writes: strategies that record the requester (a CSR's spec.username) read it on create. */
  user?: UserInfo;
}

/** The Warning headers of strict errors: a YAML error lists one per line, as upstream's parseYAMLWarnings. */
function strictWarnings(errors: string[]): string[] {
  return errors.flatMap((e) => (e.startsWith('yaml: unmarshal errors:\n') ? e.split('\n').slice(1).map((l) => l.trim()) : [e]));
}

/** How a patch's decoding failure reads upstream: 422 on the field "patch", valued as patched. */
export function patchRefusal(patchType: PatchType, patch: unknown, patched: unknown): (detail: string) => ApiError {
  return (detail) => invalid('', '', [fieldErrors.invalid('patch', patchType === 'strategic' ? goPlusV(patch) : JSON.stringify(patched), detail)]);
}

/**
 * What decoding into a Go type checks: values of the wrong JSON type are refused (`cannot`); nulls are read
 * as Go reads them; unknown fields and the body's other strict errors (duplicates) are refused with
 * fieldValidation=Strict (kubectl apply/create --validate), else dropped, with warnings under Warn.
 */
export function checkDecoded(type: protobuf.Type | undefined, obj: Record<string, unknown>, opts: WriteOptions, cannot: (detail: string) => ApiError): void {
  const mode = opts.fieldValidation ?? 'Warn';
  const wrongType = type && jsonTypeError(type, obj);
  if (wrongType) throw cannot(wrongType);
  if (type) dropNulls(type, obj);
  const unknown = type ? unknownFields(type, obj, mode !== 'Strict').map((f) => `unknown field "${f}"`) : [];
  const strict = [...(opts.strictErrors ?? []), ...unknown];
  if (opts.orderOf) strict.sort((a, b) => opts.orderOf!(a) - opts.orderOf!(b));
  if (strict.length === 0 || mode === 'Ignore') return;
  if (mode === 'Strict') throw cannot(`strict decoding error: ${strict.join(', ')}`);
  opts.warnings?.push(...strictWarnings(strict));
}

const generateAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(n = 5): string {
  const bytes = crypto.randomBytes(n);
  return [...bytes].map((b) => generateAlphabet[b % generateAlphabet.length]).join('');
}

function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** How often a read-modify-write is redone when another writer changed the object in between. */
const conflictRetries = 50;

function hasStatus(t: ResourceType): boolean {
  return t.subresources?.includes('status') ?? false;
}

export class Registry {
  private readonly strategies = new Map<string, Strategy>();

  constructor(readonly store: ObjectStore) {}

  register(strategy: Strategy): void {
    this.strategies.set(typeKey(strategy.type), strategy);
  }

  strategyFor(t: ResourceType): Strategy {
    const s = this.strategies.get(typeKey(t));
    if (!s) throw new Error(`no strategy registered for ${typeKey(t)}`);
    return s;
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(typeKey(t), objectKey(namespace, name));
    if (!obj) throw notFound(t.plural, name, t.group);
    return obj;
  }

  private checkKind(t: ResourceType, body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest('Object in request body is not a valid JSON object');
    const obj = body as KubeObject;
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(t)) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
    }
    if (obj.kind !== undefined && obj.kind !== t.kind) {
      throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${t.kind})`);
    }
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    const { apiVersion: _v, kind: _k, metadata, ...rest } = obj;
    const decoded: KubeObject = { apiVersion: apiVersionOf(t), kind: t.kind, metadata: { ...(metadata ?? {}) }, ...rest };
    this.strategyFor(t).decode?.(decoded);
    return decoded;
  }

  private checkDecoding(t: ResourceType, obj: KubeObject, opts: WriteOptions, refuse?: (detail: string) => ApiError): void {
    const cannot = refuse ?? ((detail: string) => badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${detail}`));
    checkDecoded(messageFor(apiVersionOf(t), t.kind), obj, opts, cannot);
  }

  private checkNamespace(t: ResourceType, namespace: string | undefined, obj: KubeObject): void {
    if (!t.namespaced) return;
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = namespace;
  }

  private validateAll(s: Strategy, obj: KubeObject, old: KubeObject | undefined, subresource?: string): void {
    const errs = validateObjectMeta(obj.metadata, s.type.namespaced, s.validateName ?? dns1123Subdomain);
    if (old) {
      if (obj.metadata.name !== old.metadata.name) errs.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${obj.metadata.name}": field is immutable` });
    }
    errs.push(...(s.validate?.(obj, old, subresource) ?? []));
    if (errs.length > 0) throw invalid(s.type.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', errs, s.type.group);
  }

  async create(t: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    // Each attempt gets its own copy: strategies fill in defaults and allocations as they go.
    return this.retrying(t, undefined, () => this.createOnce(t, namespace, structuredClone(body), opts));
  }

  /**
   * Runs a read-modify-write again when the store reports that another writer changed the object
   * in between (only a store shared with other API servers does), as upstream's GuaranteedUpdate:
   * the rerun reads the new state, so preconditions (resourceVersion, uid, existence) are checked again.
   */
  private async retrying<T>(t: ResourceType, name: string | undefined, op: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        if (attempt >= conflictRetries) throw staleConflict(t.plural, name ?? e.key.split('/').pop()!, t.group);
      }
    }
  }

  private async createOnce(t: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions): Promise<KubeObject> {
    const s = this.strategyFor(t);
    const obj = this.checkKind(t, body);
    this.checkDecoding(t, obj, opts);
    this.checkNamespace(t, namespace, obj);
    if (t.namespaced) this.requireActiveNamespace(namespace!, t);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    for (const f of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) delete meta[f];
    meta.creationTimestamp = timestamp();
    meta.uid = crypto.randomUUID();
    if ('spec' in obj) meta.generation = 1;
    await s.admit?.(obj, namespace, !!opts.dryRun);
    s.prepareCreate?.(obj, opts.user);
    s.defaults?.(obj);
    this.validateAll(s, obj, undefined);
    opts.admit?.({ operation: 'CREATE', object: obj });
    const key = objectKey(namespace, meta.name!);
    if (this.store.get(typeKey(t), key)) throw alreadyExists(t.plural, meta.name!, t.group);
    const held = await s.beforeCreate?.(obj, !!opts.dryRun);
    if (opts.dryRun) return obj;
    return this.storeReserved(held, () => this.store.write('put', typeKey(t), key, obj));
  }

  /**
   * Runs a write that held was reserved for: what it reserved is given back when the write surely did
   * not happen (a lost race reruns the request, which reserves again); otherwise it stays, and repair
   * loops find what a write that failed in doubt left behind.
   */
  private async storeReserved(held: Reservation | void, write: () => Promise<KubeObject>): Promise<KubeObject> {
    let stored: KubeObject;
    try {
      stored = await write();
    } catch (e) {
      if (held && surelyNotStored(e)) await held.rollback();
      throw e;
    }
    await held?.commit();
    return stored;
  }

  private requireActiveNamespace(namespace: string, t: ResourceType): void {
    const ns = this.store.get('core/namespaces', namespace);
    if (!ns) throw notFound('namespaces', namespace);
    if ((ns as { status?: { phase?: string } }).status?.phase === 'Terminating') {
      throw forbidden(t.plural, '', `unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  async update(t: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.retrying(t, name, () => this.updateOnce(t, namespace, name, structuredClone(body), opts));
  }

  private async updateOnce(t: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): Promise<KubeObject> {
    const s = this.strategyFor(t);
    const old = this.get(t, namespace, name);
    const obj = this.checkKind(t, body);
    this.checkDecoding(t, obj, opts);
    this.checkNamespace(t, namespace, obj);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    obj.metadata.name = name;
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw staleConflict(t.plural, name, t.group);
    return this.commitUpdate(s, old, obj, opts);
  }

  private async commitUpdate(s: Strategy, old: KubeObject, next: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const t = s.type;
    let obj = next;
    // System fields never change through an update.
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (old.metadata[f] === undefined) delete obj.metadata[f];
      else (obj.metadata as Record<string, unknown>)[f] = old.metadata[f];
    }
    if (hasStatus(t)) {
      if (opts.subresource) obj = { ...structuredClone(old), status: obj.status }; // status, or a strategy's own (approval)
      else if ('status' in old) obj.status = old.status;
      else delete obj.status;
    }
    if (opts.subresource) s.prepareSubresourceUpdate?.(opts.subresource, obj, old);
    else s.prepareUpdate?.(obj, old);
    s.defaults?.(obj);
    this.validateAll(s, obj, old, opts.subresource);
    // A status write is judged as sent (upstream's admission runs before the status strategy keeps only status).
    opts.admit?.({ operation: 'UPDATE', object: opts.subresource === 'status' ? next : obj, oldObject: old });
    if (!isDeepStrictEqual(obj.spec, old.spec) && old.metadata.generation !== undefined) {
      obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    const key = objectKey(old.metadata.namespace, old.metadata.name!);
    // A deleting object whose last finalizer went away is gone now.
    if (old.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && !s.gracefulDelete) {
      if (opts.dryRun) return obj;
      const deleted = await this.store.write('del', typeKey(t), key, obj);
      await s.afterDelete?.(deleted);
      return deleted;
    }
    const comparable = { ...obj, metadata: { ...obj.metadata, resourceVersion: old.metadata.resourceVersion } };
    if (isDeepStrictEqual(comparable, old)) return old;
    const held = await s.beforeUpdate?.(obj, old, !!opts.dryRun);
    if (opts.dryRun) return obj;
    return this.storeReserved(held, () => this.store.write('put', typeKey(t), key, obj));
  }

  async patch(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    return this.retrying(t, name, () => this.patchOnce(t, namespace, name, patchType, patch, opts));
  }

  private async patchOnce(t: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, opts: WriteOptions): Promise<KubeObject> {
    const s = this.strategyFor(t);
    // Server-side apply creates what is missing (its merge below is a strategic merge, not field ownership).
    if (patchType === 'apply' && !this.store.get(typeKey(t), objectKey(namespace, name))) return this.create(t, namespace, appliedObject(patch, name), opts);
    const old = this.get(t, namespace, name);
    let patched: unknown;
    switch (patchType) {
      case 'merge':
        // A copy: the merge shares untouched nested values, and strategies mutate what they get.
        patched = mergePatch(structuredClone(old), patch);
        break;
      case 'json':
        patched = applyJsonPatch(old, patch, t.kind, name);
        break;
      case 'strategic':
        patched = strategicMergePatch(structuredClone(old), patch, t.kind);
        break;
      case 'apply':
        patched = strategicMergePatch(structuredClone(old), appliedObject(patch, name), t.kind);
        break;
    }
    const obj = this.checkKind(t, patched);
    this.checkDecoding(t, obj, opts, patchType === 'apply' ? undefined : patchRefusal(patchType, patch, patched));
    obj.metadata.name = name;
    if (t.namespaced) obj.metadata.namespace = namespace;
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw staleConflict(t.plural, name, t.group);
    return this.commitUpdate(s, old, obj, opts);
  }

  async delete(t: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<KubeObject> {
    return this.retrying(t, name, () => this.deleteOnce(t, namespace, name, options, opts));
  }

  private async deleteOnce(t: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions, opts: WriteOptions): Promise<KubeObject> {
    const s = this.strategyFor(t);
    const old = this.get(t, namespace, name);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      throw new ApiError({
        ...staleConflict(t.plural, name, t.group).status,
        message: `Operation cannot be fulfilled on ${t.plural} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      });
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) throw staleConflict(t.plural, name, t.group);
    opts.admit?.({ operation: 'DELETE', oldObject: old });
    const key = objectKey(namespace, name);
    const graceful = s.gracefulDelete?.(old, options);
    if (graceful) {
      if (opts.dryRun || isDeepStrictEqual(graceful, old)) return graceful;
      return this.store.write('put', typeKey(t), key, graceful);
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      if (old.metadata.deletionTimestamp) return old;
      const marked = { ...old, metadata: { ...old.metadata, deletionTimestamp: timestamp(), deletionGracePeriodSeconds: 0 } };
      if (opts.dryRun) return marked;
      return this.store.write('put', typeKey(t), key, marked);
    }
    if (opts.dryRun) return old;
    const deleted = await this.store.write('del', typeKey(t), key, old);
    await s.afterDelete?.(deleted);
    return deleted;
  }

  /**
   * A system write that skips user validation (binding a pod, scaling): fn gets
   * a copy of the current object and returns the object to store; an ApiError
   * thrown by fn refuses the write.
   */
  async mutate(t: ResourceType, namespace: string | undefined, name: string, fn: (obj: KubeObject) => KubeObject): Promise<KubeObject> {
    return this.retrying(t, name, async () => {
      const old = this.get(t, namespace, name);
      const next = fn(structuredClone(old));
      if (isDeepStrictEqual(next, old)) return old;
      return this.store.write('put', typeKey(t), objectKey(namespace, name), next);
    });
  }

  /** Removes an object regardless of grace periods (kubelet's final delete, namespace cleanup). */
  async forceDelete(t: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    const s = this.strategyFor(t);
    const key = objectKey(namespace, name);
    await this.retrying(t, name, async () => {
      const old = this.store.get(typeKey(t), key);
      if (!old) return;
      const deleted = await this.store.write('del', typeKey(t), key, old);
      await s.afterDelete?.(deleted);
    });
  }
}
