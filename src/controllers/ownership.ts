// Owner references, claiming (adopt/release) and status patches shared by the workload controllers.
import { isDeepStrictEqual } from 'node:util';
import { matches, type Selector } from '../api/labels.js';
import { types } from '../api/resources.js';
import type { KubeObject, OwnerReference, Pod } from '../api/types.js';
import { isNotFound, type ApiClient } from '../client/client.js';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export interface ClaimOptions<T extends KubeObject> {
  client: ApiClient;
  owner: KubeObject;
  selector: Selector;
  type: typeof types.pods | typeof types.replicasets;
  /** Re-reads the owner before adopting (upstream's RecheckDeletionTimestamp): no adoption by a deleted or replaced owner. */
  canAdopt: () => Promise<boolean>;
  candidates: T[];
}

/** ControllerRefManager.Claim*: the objects this owner controls after adopting matching orphans and releasing non-matching ones. */
export async function claim<T extends KubeObject>(o: ClaimOptions<T>): Promise<T[]> {
  const uid = o.owner.metadata.uid;
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  for (const obj of o.candidates) {
    const ref = controllerRef(obj);
    const selected = matches(o.selector, obj.metadata.labels);
    const refs = obj.metadata.ownerReferences ?? [];
    try {
      if (ref) {
        if (ref.uid !== uid) continue;
        if (selected) claimed.push(obj);
        else {
          const rest = refs.filter((r) => r.uid !== uid);
          await o.client.patch(o.type, obj.metadata.name!, { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: rest.length ? rest : null } }, obj.metadata.namespace);
        }
        continue;
      }
      if (!selected || obj.metadata.deletionTimestamp || o.owner.metadata.deletionTimestamp) continue;
      adoptable ??= await o.canAdopt();
      if (!adoptable) continue;
      const adopted = await o.client.patch<T>(o.type, obj.metadata.name!, { metadata: { resourceVersion: obj.metadata.resourceVersion, ownerReferences: [...refs, ownerReferenceTo(o.owner)] } }, obj.metadata.namespace);
      claimed.push(adopted);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return claimed;
}

/** A merge patch of status that leaves out zero values, as Go's omitempty does. */
export function statusPatch(status: Record<string, unknown>, omitEmpty: string[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status)) patch[k] = omitEmpty.includes(k) && (v === 0 || v === undefined) ? null : v;
  return patch;
}

export function sameStatus(current: Record<string, unknown> | undefined, patch: Record<string, unknown>): boolean {
  return Object.entries(patch).every(([k, v]) => isDeepStrictEqual(current?.[k] ?? null, v ?? null));
}

