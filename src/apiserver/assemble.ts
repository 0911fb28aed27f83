// Puts an API server together: store, registry with every strategy,
// subresources, system namespaces and the namespace finalizer.
import path from 'node:path';
import { types } from '../api/resources.js';
import { ensureSystemNamespaces, startNamespaceFinalizer } from './namespaces.js';
import { Registry } from './registry.js';
import { ApiServer } from './server.js';
import { Store, type StoreOptions } from './store.js';
import { strategies } from './strategies/index.js';
import { bindingHandler } from './subresources/binding.js';
import { scaleHandler } from './subresources/scale.js';
import { execUpgrade, logHandler } from './subresources/kubelet-proxy.js';

export interface AssembleOptions extends StoreOptions {
  stateDir: string;
  /** Directory of the node agents' kubelet sockets (<node>.sock), for logs and exec. */
  kubeletSocketDir?: string;
}

export async function assemble(opts: AssembleOptions): Promise<{ store: Store; registry: Registry; server: ApiServer }> {
  const store = new Store(path.join(opts.stateDir, 'store'), opts);
  const registry = new Registry(store);
  for (const s of strategies) registry.register(s);
  await ensureSystemNamespaces(registry);
  startNamespaceFinalizer(registry);
  const server = new ApiServer(registry);
  server.subresources.set('core/pods/binding', bindingHandler(registry));
  server.subresources.set('apps/deployments/scale', scaleHandler(registry, types.deployments));
  server.subresources.set('apps/replicasets/scale', scaleHandler(registry, types.replicasets));
  if (opts.kubeletSocketDir) {
    const dir = opts.kubeletSocketDir;
    server.subresources.set('core/pods/log', logHandler(registry, dir));
    server.upgrades.set('core/pods/exec', (r, req, socket, head, query) => execUpgrade(registry, dir, r, req, socket, head, query));
  }
  return { store, registry, server };
}
