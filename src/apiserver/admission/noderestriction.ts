// The NodeRestriction admission plugin, as upstream's (kubeadm turns it on): the Node
// authorizer lets every node do what the system:node role lists, on any node's objects;
// this narrows it to its own. A node (system:node:NAME in system:nodes) may write only its
// own Node (not its taints, nor labels outside the kubelet's set), only its own Lease in
// kube-node-lease, status only of pods bound to it, delete and evict only those pods, ask
// tokens only bound to them, and create only mirror pods of its own. Refusals are 403s in
// upstream's words. Other users pass untouched.
import { isDeepStrictEqual } from 'node:util';
import { ApiError, forbidden, notFound } from '../../api/errors.js';
import type { KubeObject, Node, Pod } from '../../api/types.js';
import { nodeIdentity, podReferences } from '../auth/node.js';
import type { ObjectStore } from '../store.js';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.js';

const nodeLeaseNamespace = 'kube-node-lease';
const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
/** The kubernetes.io / k8s.io labels a kubelet may set on its Node (k8s.io/kubelet's well_known_labels.go). */
const kubeletLabels = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const kubeletLabelNamespaces = ['kubelet.kubernetes.io', 'node.kubernetes.io'];
const nodeRestrictionNamespace = 'node-restriction.kubernetes.io';

/** A label key's prefix (the part before '/'), or ''. */
function labelNamespace(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

const inDomain = (ns: string, domain: string): boolean => ns === domain || ns.endsWith(`.${domain}`);

function isKubeletLabel(key: string): boolean {
  return kubeletLabels.has(key) || kubeletLabelNamespaces.some((d) => inDomain(labelNamespace(key), d));
}

/** Keys added, removed or changed between two label maps. */
function modifiedLabels(a: Record<string, string> = {}, b: Record<string, string> = {}): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
}

/** The labels a node may not add, remove or change on itself, sorted (Go's sets.String.List()). */
export function forbiddenNodeLabels(keys: string[]): string[] {
  return keys
    .filter((k) => {
      const ns = labelNamespace(k);
      return inDomain(ns, nodeRestrictionNamespace) || ((inDomain(ns, 'kubernetes.io') || inDomain(ns, 'k8s.io')) && !isKubeletLabel(k));
    })
    .sort();
}

/** upstream's admission.NewForbidden: the resource (group-qualified) and the request's name, or the object's, or "Unknown". */
function refuse(a: AdmissionAttributes, why: string): ApiError {
  const meta = a.object?.metadata;
  const name = a.name || meta?.name || meta?.generateName || 'Unknown';
  return forbidden(a.type.plural, name, why, a.type.group);
}

/** Go's DeepEqual as apimachinery's Semantic: an empty list equals none. */
const sameList = (a: unknown[] | undefined, b: unknown[] | undefined): boolean => isDeepStrictEqual(a ?? [], b ?? []);

type Lookup = Pick<ObjectStore, 'get'>;

/** The decision for one write: undefined to admit, or the 403 to answer. */
export function nodeRestrictionRefusal(a: AdmissionAttributes, store: Lookup): ApiError | undefined {
  const node = nodeIdentity(a.user);
  if (!node.isNode) return undefined;
  if (!node.name) return refuse(a, `could not determine node from user "${a.user.username}"`);
  const { group, plural } = a.type;
  if (group === '' && plural === 'pods') {
    if (!a.subresource) return admitPod(node.name, a, store);
    if (a.subresource === 'status') return admitPodStatus(node.name, a);
    if (a.subresource === 'eviction') return admitPodEviction(node.name, a, store);
    return refuse(a, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`);
  }
  if (group === '' && plural === 'nodes') return admitNode(node.name, a);
  if (group === '' && plural === 'serviceaccounts') return admitServiceAccount(node.name, a, store);
  if (group === 'coordination.k8s.io' && plural === 'leases') return admitLease(node.name, a);
  return undefined;
}

export function nodeRestriction(store: Lookup): AdmissionPlugin {
  return (a) => {
    const refusal = nodeRestrictionRefusal(a, store);
    if (refusal) throw refusal;
  };
}

function storedPod(a: AdmissionAttributes, name: string, store: Lookup): Pod | ApiError {
  return (store.get('core/pods', `${a.namespace}/${name}`) as Pod | undefined) ?? notFound('pods', name);
}

function admitPod(node: string, a: AdmissionAttributes, store: Lookup): ApiError | undefined {
  if (a.operation === 'CREATE') return admitMirrorPod(node, a, store);
  if (a.operation === 'DELETE') {
    const pod = a.oldObject as Pod;
    return pod.spec?.nodeName === node ? undefined : refuse(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
  }
  return refuse(a, `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`);
}

/** The only pods a node creates: mirror pods of its static pods, bound and owned by it, using no other object. */
function admitMirrorPod(node: string, a: AdmissionAttributes, store: Lookup): ApiError | undefined {
  const pod = a.object as Pod;
  if (pod.metadata.annotations?.[mirrorPodAnnotation] === undefined) {
    return refuse(a, `pod does not have "${mirrorPodAnnotation}" annotation, node "${node}" can only create mirror pods`);
  }
  if (pod.spec?.nodeName !== node) return refuse(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) return refuse(a, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) return refuse(a, `node "${node}" can only create pods with an owner reference set to itself`);
  if (!owner.controller) return refuse(a, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion) return refuse(a, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const self = store.get('core/nodes', node);
  if (!self) return notFound('nodes', node);
  if (owner.uid !== self.metadata.uid) return refuse(a, `node ${node} UID mismatch: expected ${owner.uid} got ${self.metadata.uid}`);
  if (pod.spec.serviceAccountName) return refuse(a, `node "${node}" can not create pods that reference a service account`);
  if (podReferences(pod, 'secrets').length) return refuse(a, `node "${node}" can not create pods that reference secrets`);
  if (podReferences(pod, 'configmaps').length) return refuse(a, `node "${node}" can not create pods that reference configmaps`);
  const volumes = (pod.spec.volumes ?? []) as { projected?: { sources?: { clusterTrustBundle?: unknown }[] } }[];
  if (volumes.some((v) => v.projected?.sources?.some((s) => s.clusterTrustBundle != null))) return refuse(a, `node "${node}" can not create pods that reference clustertrustbundles`);
  if (podReferences(pod, 'persistentvolumeclaims').length) return refuse(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  return undefined;
}

function admitPodStatus(node: string, a: AdmissionAttributes): ApiError | undefined {
  if (a.operation !== 'UPDATE') return refuse(a, `unexpected operation "${a.operation}"`);
  const old = a.oldObject as Pod;
  if (old.spec?.nodeName !== node) return refuse(a, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
  if (modifiedLabels(old.metadata.labels, a.object?.metadata.labels).length) return refuse(a, `node "${node}" cannot update labels through pod status`);
  return undefined;
}

function admitPodEviction(node: string, a: AdmissionAttributes, store: Lookup): ApiError | undefined {
  if (a.operation !== 'CREATE') return refuse(a, `unexpected operation ${a.operation}`);
  // The pod named in the URL, not the one the Eviction body names.
  const name = a.name || a.object?.metadata?.name;
  if (!name) return refuse(a, 'could not determine pod from request data');
  const pod = storedPod(a, name, store);
  if (pod instanceof ApiError) return pod;
  return pod.spec?.nodeName === node ? undefined : refuse(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
}

function admitNode(node: string, a: AdmissionAttributes): ApiError | undefined {
  if (a.name !== node) return refuse(a, `node "${node}" is not allowed to modify node "${a.name}"`);
  const obj = a.object as Node | undefined;
  const configSource = (n: Node | undefined): unknown => (n?.spec as { configSource?: unknown } | undefined)?.configSource;
  if (a.operation === 'CREATE') {
    if (configSource(obj) != null) return refuse(a, `node "${node}" is not allowed to create pods with a non-nil configSource`);
    const labels = forbiddenNodeLabels(modifiedLabels(obj?.metadata.labels, undefined));
    if (labels.length) return refuse(a, `node "${node}" is not allowed to set the following labels: ${labels.join(', ')}`);
  }
  if (a.operation === 'UPDATE') {
    const old = a.oldObject as Node;
    if (configSource(obj) != null && !isDeepStrictEqual(configSource(obj), configSource(old))) return refuse(a, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
    if (!sameList(obj?.spec?.taints, old.spec?.taints)) return refuse(a, `node "${node}" is not allowed to modify taints`);
    const labels = forbiddenNodeLabels(modifiedLabels(obj?.metadata.labels, old.metadata.labels));
    // Upstream's wording names no node here.
    if (labels.length) return refuse(a, `is not allowed to modify labels: ${labels.join(', ')}`);
  }
  return undefined;
}

interface TokenRequest extends KubeObject {
  spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } };
}

/** A node asks tokens only for pods bound to it (the kubelet's projected tokens). */
function admitServiceAccount(node: string, a: AdmissionAttributes, store: Lookup): ApiError | undefined {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return undefined;
  const ref = (a.object as TokenRequest | undefined)?.spec?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) return refuse(a, 'node requested token not bound to a pod');
  if (!ref.uid) return refuse(a, 'node requested token with a pod binding without a uid');
  const pod = storedPod(a, ref.name, store);
  if (pod instanceof ApiError) return pod;
  if (ref.uid !== pod.metadata.uid) {
    return refuse(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  if (pod.spec?.nodeName !== node) return refuse(a, 'node requested token bound to a pod scheduled on a different node');
  return undefined;
}

function admitLease(node: string, a: AdmissionAttributes): ApiError | undefined {
  if (a.namespace !== nodeLeaseNamespace) return refuse(a, `can only access leases in the "${nodeLeaseNamespace}" system namespace`);
  const name = a.operation === 'CREATE' ? a.object?.metadata.name : a.name;
  return name === node ? undefined : refuse(a, 'can only access node lease with the same name as the requesting node');
}
