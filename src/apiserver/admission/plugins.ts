// --enable-admission-plugins: the validating plugins by name, as kube-apiserver reads the flag.
import type { ObjectStore } from '../store.js';
import type { AdmissionPlugin } from './admission.js';
import { nodeRestriction } from './noderestriction.js';

export const admissionPlugins = ['NodeRestriction'] as const;

/** The plugins of an --enable-admission-plugins value, in order; throws on an unknown name. */
export function admissionChain(enabled: string, store: Pick<ObjectStore, 'get'>): AdmissionPlugin[] {
  return enabled
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((name) => {
      if (name === 'NodeRestriction') return nodeRestriction(store);
      throw new Error(`--enable-admission-plugins: plugin "${name}" is not supported (choose from ${admissionPlugins.join(', ')})`);
    });
}
