// Garbage collector, background propagation only: an object whose owners are
// all gone is deleted; one that lost only some owners drops those references.
// "Gone" is checked against the API (a GET by name with the same uid), as
// upstream's attemptToDelete does, so an informer that lags never causes a delete.
import { findKind } from '../api/resources.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import { isNotFound, type ApiClient } from '../client/client.js';
import { cacheKey, type Informer } from '../client/informer.js';

const retryMs = 1000;

export function startGarbageCollector(client: ApiClient, informers: Informer[]): () => void {
  // Every uid the informers hold: owners known to exist without asking the API.
  const known = new Set<string>();
  const busy = new Set<string>();
  const again = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const dangles = (obj: KubeObject): boolean => (obj.metadata.ownerReferences ?? []).some((r) => !known.has(r.uid));

  function check(informer: Informer, obj: KubeObject): void {
    const uid = obj.metadata.uid!;
    if (stopped) return;
    // A check already running may have judged an owner that is gone since: run once more after it.
    if (busy.has(uid)) return void again.add(uid);
    busy.add(uid);
    attemptToDelete(informer, obj)
      .catch((e: unknown) => {
        console.error(`garbage-collector: ${informer.type.plural} ${cacheKey(obj)}: ${(e as Error).message}`);
        const timer = setTimeout(() => {
          timers.delete(timer);
          check(informer, obj);
        }, retryMs);
        timers.add(timer);
      })
      .finally(() => {
        busy.delete(uid);
        if (again.delete(uid)) check(informer, obj);
      });
  }

  async function ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    if (known.has(ref.uid)) return true;
    const t = findKind(ref.apiVersion, ref.kind);
    if (!t) return true; // a kind this lab does not serve: nothing to decide with
    try {
      const owner = await client.get(t, ref.name, t.namespaced ? namespace : undefined);
      return owner.metadata.uid === ref.uid;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async function attemptToDelete(informer: Informer, seen: KubeObject): Promise<void> {
    const obj = informer.get(cacheKey(seen));
    if (!obj || obj.metadata.uid !== seen.metadata.uid || obj.metadata.deletionTimestamp) return;
    const refs = obj.metadata.ownerReferences ?? [];
    const alive: OwnerReference[] = [];
    for (const ref of refs) if (await ownerExists(ref, obj.metadata.namespace)) alive.push(ref);
    if (alive.length === refs.length) return;
    const { name, namespace, uid, resourceVersion } = obj.metadata;
    try {
      if (alive.length === 0) {
        await client.delete(informer.type, name!, namespace, { propagationPolicy: 'Background', preconditions: { uid } });
        console.log(`garbage-collector: deleted ${informer.type.plural} ${cacheKey(obj)}: its owners are gone`);
      } else {
        await client.patch(informer.type, name!, { metadata: { resourceVersion, ownerReferences: alive } }, namespace);
      }
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  for (const informer of informers) for (const obj of informer.list()) known.add(obj.metadata.uid!);
  for (const informer of informers) {
    informer.on({
      add(obj) {
        known.add(obj.metadata.uid!);
        if (dangles(obj)) check(informer, obj);
      },
      update(obj) {
        known.add(obj.metadata.uid!);
        if (dangles(obj)) check(informer, obj);
      },
      delete(owner) {
        known.delete(owner.metadata.uid!);
        for (const i of informers) {
          for (const obj of i.list()) if (obj.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid)) check(i, obj);
        }
      },
    });
  }
  for (const informer of informers) for (const obj of informer.list()) if (dangles(obj)) check(informer, obj);

  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
  };
}
