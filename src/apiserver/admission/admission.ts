// Validating admission (kube-apiserver's --enable-admission-plugins): plugins that see
// each write with who makes it, the object about to be stored and the stored one, and
// refuse it with an ApiError. The ServiceAccount plugin mutates pods and stays on the
// pod strategy (registry.ts, Strategy.admit).
import type { ResourceType } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { ObjectStore } from '../store.js';
import type { UserInfo } from '../auth/user.js';
import { nodeRestriction } from './noderestriction.js';

/** What the registry knows of a write when it asks admission (upstream's operation, object and old object). */
export interface AdmissionWrite {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** The object as the request would write it (absent on delete). */
  object?: KubeObject;
  /** The stored object (update and delete). */
  oldObject?: KubeObject;
}

/** A write with its request's attributes, as upstream's admission.Attributes. */
export interface AdmissionAttributes extends AdmissionWrite {
  user: UserInfo;
  type: ResourceType;
  subresource?: string;
  namespace?: string;
  /** The name in the URL, or on create the object's ('' when the server generates it). */
  name: string;
}

/** Throws an ApiError to refuse the write. */
export type AdmissionPlugin = (a: AdmissionAttributes) => void;

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
