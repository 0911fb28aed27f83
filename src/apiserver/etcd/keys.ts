// Where objects live in etcd, laid out as kube-apiserver lays them out
// (test/integration/etcd/data.go upstream): /registry/<resource>/<namespace>/<name>,
// with the historical prefixes of a few core resources, and CRD-served groups
// (Gateway API, svclab's Hosts) under /registry/<group>/<resource>/. The Service
// allocators' held values are under /registry/ranges/ (allocators/store-book.ts).
import { resourceTypes, typeKey } from '../../api/resources.js';
import { rangeTypes } from '../allocators/store-book.js';

export const registryPrefix = '/registry/';

/** Resources whose etcd prefix is not their plural name. */
const historical: Record<string, string> = {
  'core/services': 'services/specs',
  'core/endpoints': 'services/endpoints',
  'core/nodes': 'minions',
  'networking.k8s.io/ingresses': 'ingress',
  [rangeTypes.ips]: rangeTypes.ips,
  [rangeTypes.ports]: rangeTypes.ports,
};

/** Groups served from CustomResourceDefinitions upstream, not built into kube-apiserver. */
const crdGroups = new Set(['gateway.networking.k8s.io', 'hosts.svclab.io']);

/** The prefix (ending in "/") under which objects of a store type key ("core/services") live. */
function typePrefix(type: string): string {
  const slash = type.indexOf('/');
  const group = type.slice(0, slash);
  const plural = type.slice(slash + 1);
  const path = historical[type] ?? (crdGroups.has(group) ? `${group}/${plural}` : plural);
  return `${registryPrefix}${path}/`;
}

/** The etcd key of an object: key is the store's "namespace/name" or "name". */
export function etcdKey(type: string, key: string): string {
  return typePrefix(type) + key;
}

const known = [...resourceTypes.map(typeKey), ...Object.values(rangeTypes)].map((type) => ({ type, prefix: typePrefix(type) })).sort((a, b) => b.prefix.length - a.prefix.length);

/** The store type and key of an etcd key, or undefined for keys that are not objects the lab serves. */
export function parseEtcdKey(key: string): { type: string; key: string } | undefined {
  for (const k of known) {
    if (key.startsWith(k.prefix) && key.length > k.prefix.length) return { type: k.type, key: key.slice(k.prefix.length) };
  }
  return undefined;
}
