// The namespace finalizer: a Terminating namespace loses all its objects, then itself.
import { resourceTypes, typeKey } from '../api/resources.js';
import type { Namespace } from '../api/types.js';
import { namespaceStrategy, systemNamespaces } from './strategies/namespace.js';
import type { Registry } from './registry.js';

export async function ensureSystemNamespaces(registry: Registry): Promise<void> {
  for (const name of systemNamespaces) {
    if (!registry.store.get('core/namespaces', name)) {
      await registry.create(namespaceStrategy.type, undefined, { metadata: { name } });
    }
  }
}

/** How long a failed finalization waits before it is tried again. */
const retryMs = 1000;

/**
 * Every API server runs it (several share one etcd): each delete is guarded by the object's revision
 * and a gone object is skipped, so two finalizers at work on one namespace do no harm; the namespace
 * itself goes once a consistent read finds it empty (an API server with a stale cache may still have
 * created something in it).
 */
export function startNamespaceFinalizer(registry: Registry): void {
  const store = registry.store;
  const running = new Set<string>();
  const finalize = async (name: string): Promise<void> => {
    if (running.has(name)) return;
    running.add(name);
    try {
      for (let left = true; left; ) {
        await store.sync?.();
        left = false;
        for (const t of resourceTypes.filter((rt) => rt.namespaced)) {
          for (const obj of store.list(typeKey(t), name)) {
            left = true;
            await registry.forceDelete(t, name, obj.metadata.name!);
          }
        }
      }
      await registry.forceDelete(namespaceStrategy.type, undefined, name);
    } finally {
      running.delete(name);
    }
  };
  const check = (ns: Namespace): void => {
    if (!ns.metadata.deletionTimestamp) return;
    void finalize(ns.metadata.name!).catch((e: Error) => {
      console.error(`namespace finalizer: ${ns.metadata.name}: ${e.message}; retrying`);
      setTimeout(() => {
        const now = store.get('core/namespaces', ns.metadata.name!) as Namespace | undefined;
        if (now) check(now);
      }, retryMs).unref();
    });
  };
  store.subscribe(store.resourceVersion, (e) => {
    if (e.typeKey === 'core/namespaces' && e.type !== 'DELETED') check(e.object as Namespace);
  });
  // Namespaces caught Terminating by a crash are finished on start.
  for (const ns of store.list('core/namespaces')) check(ns as Namespace);
}
