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

export function startNamespaceFinalizer(registry: Registry): void {
  const store = registry.store;
  const running = new Set<string>();
  const finalize = async (name: string): Promise<void> => {
    if (running.has(name)) return;
    running.add(name);
    try {
      for (const t of resourceTypes.filter((rt) => rt.namespaced)) {
        for (const obj of store.list(typeKey(t), name)) await registry.forceDelete(t, name, obj.metadata.name!);
      }
      await registry.forceDelete(namespaceStrategy.type, undefined, name);
    } finally {
      running.delete(name);
    }
  };
  const check = (ns: Namespace): void => {
    if (ns.metadata.deletionTimestamp) void finalize(ns.metadata.name!).catch((e) => console.error('namespace finalizer:', e));
  };
  store.subscribe(store.resourceVersion, (e) => {
    if (e.typeKey === 'core/namespaces' && e.type !== 'DELETED') check(e.object as Namespace);
  });
  // Namespaces caught Terminating by a crash are finished on start.
  for (const ns of store.list('core/namespaces')) check(ns as Namespace);
}
