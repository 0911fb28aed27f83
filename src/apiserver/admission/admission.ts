// Validating admission (kube-apiserver's --enable-admission-plugins): what a plugin sees of
// each write (who makes it, the object about to be stored and the stored one); it refuses
// with an ApiError. The ServiceAccount plugin mutates pods and stays on the pod strategy
// (registry.ts, Strategy.admit). plugins.ts names the plugins.
import type { ResourceType } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { UserInfo } from '../auth/user.js';

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
