// Namespaces: DNS-1123 label names, phase Active, and deletion in two steps
// (Terminating, then gone once the namespace finalizer has emptied it).
import { forbidden } from '../../api/errors.js';
import { findType } from '../../api/resources.js';
import { timestamp, type KubeObject, type Namespace } from '../../api/types.js';
import { dns1123Label } from '../../api/validation/names.js';
import type { Strategy } from '../registry.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const undeletable = new Set(['default', 'kube-system', 'kube-public']);

export const namespaceStrategy: Strategy = {
  type: findType('', 'v1', 'namespaces')!,
  validateName: dns1123Label,
  prepareCreate(obj) {
    (obj as Namespace).status = { phase: 'Active' };
  },
  defaults(obj) {
    const ns = obj as Namespace;
    ns.spec = { finalizers: ['kubernetes'], ...(ns.spec ?? {}) };
    ns.status ??= { phase: 'Active' };
    ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name ?? '' };
  },
  gracefulDelete(obj): KubeObject {
    const name = obj.metadata.name!;
    if (undeletable.has(name)) throw forbidden('namespaces', name, 'this namespace may not be deleted');
    if (obj.metadata.deletionTimestamp) return obj;
    return { ...obj, metadata: { ...obj.metadata, deletionTimestamp: timestamp() }, status: { phase: 'Terminating' } };
  },
};
