// What the certificate controllers decide, as pure functions: which requests the approver may
// approve (upstream's csrapproving recognizers, plus the lab's rule that a joining host's node
// name must be one the control plane allocated to a Host that same user created), and what the
// signers refuse (upstream's ValidateKubeletClientCSR and ValidateKubeletServingCSR, the
// kube-apiserver-client usages). Kubelet serving requests, which upstream leaves to the admin,
// are approved as kubelet-csr-approver does: only from that very node, for exactly its addresses.
import type { CertificateSigningRequest } from '../../api/types.js';
import type { CsrInfo } from '../../net/csr.js';

export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
export const apiserverClientSigner = 'kubernetes.io/kube-apiserver-client';
export const kubeletServingSigner = 'kubernetes.io/kubelet-serving';
const nodePrefix = 'system:node:';

/** upstream's ValidateKubeletClientCSR: O=system:nodes only, no SANs, CN system:node:<name>, the kubelet client usages. */
export function kubeletClientProblem(info: CsrInfo, usages: string[]): string | undefined {
  if (info.organizations.length !== 1 || info.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  const san = info.sanKinds;
  if (san.includes('DNS')) return 'DNS subjectAltNames are not allowed';
  if (san.includes('email')) return 'Email subjectAltNames are not allowed';
  if (san.includes('IP Address')) return 'IP subjectAltNames are not allowed';
  if (san.includes('URI')) return 'URI subjectAltNames are not allowed';
  if (!info.commonName.startsWith(nodePrefix)) return 'subject common name does not begin with system:node:';
  const set = [...new Set(usages)].sort().join(',');
  if (set !== 'client auth,digital signature,key encipherment' && set !== 'client auth,digital signature') return 'usages did not match [client auth digital signature key encipherment]';
  return undefined;
}

/** upstream's ValidateKubeletServingCSR: O=system:nodes only, DNS or IP SANs, CN system:node:<name>, the serving usages. */
export function kubeletServingProblem(info: CsrInfo, usages: string[]): string | undefined {
  if (info.organizations.length !== 1 || info.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (info.dnsNames.length === 0 && info.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required';
  if (info.sanKinds.includes('email')) return 'Email subjectAltNames are not allowed';
  if (info.sanKinds.includes('URI')) return 'URI subjectAltNames are not allowed';
  if (!info.commonName.startsWith(nodePrefix)) return 'subject common name does not begin with system:node:';
  const set = [...new Set(usages)].sort().join(',');
  if (set !== 'digital signature,key encipherment,server auth' && set !== 'digital signature,server auth') return 'usages did not match [digital signature key encipherment server auth]';
  return undefined;
}

/** The kube-apiserver-client signer issues client certificates only. */
export function clientUsageProblem(usages: string[]): string | undefined {
  const bad = usages.find((u) => !['digital signature', 'key encipherment', 'client auth'].includes(u));
  return bad ? `invalid usage for client certificate: ${bad}` : undefined;
}

/** A Host as the approver reads it (hosts.svclab.io/v1, the join flow's resource). */
export interface HostAllocation {
  name: string;
  requestedBy?: string;
  nodes: string[];
}

export interface ApprovalInput {
  csr: CertificateSigningRequest;
  info: CsrInfo;
  /** SubjectAccessReviews of the requester: create certificatesigningrequests/nodeclient and /selfnodeclient. */
  may: { nodeclient: boolean; selfnodeclient: boolean };
  hosts: HostAllocation[];
}

export type ApprovalDecision = { approve: true; message: string } | { approve: false; why: string };

export function decideApproval({ csr, info, may, hosts }: ApprovalInput): ApprovalDecision {
  const conditions = csr.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Approved' || c.type === 'Denied')) return { approve: false, why: 'already approved or denied' };
  if (csr.spec.signerName !== kubeletClientSigner) return { approve: false, why: `signer ${csr.spec.signerName} is never auto-approved` };
  const problem = kubeletClientProblem(info, csr.spec.usages ?? []);
  if (problem) return { approve: false, why: `not a node client certificate request: ${problem}` };
  const node = info.commonName.slice(nodePrefix.length);
  const user = csr.spec.username ?? '';
  // Renewal by the node itself (upstream's selfnodeclient): the requester is the certificate's subject.
  if (user === info.commonName) {
    return may.selfnodeclient ? { approve: true, message: 'Auto approving self kubelet client certificate after SubjectAccessReview.' } : { approve: false, why: `${user} may not create certificatesigningrequests/selfnodeclient` };
  }
  if (!may.nodeclient) return { approve: false, why: `${user} may not create certificatesigningrequests/nodeclient` };
  const host = hosts.find((h) => h.nodes.includes(node));
  if (!host) return { approve: false, why: `node name ${node} is not allocated to any Host; left for an administrator (kubectl certificate approve ${csr.metadata.name})` };
  if (host.requestedBy !== user) return { approve: false, why: `node ${node} belongs to Host ${host.name}, which ${user} did not create; left for an administrator` };
  return { approve: true, message: 'Auto approving kubelet client certificate after SubjectAccessReview.' };
}

/** A Node as the serving approver reads it: its addresses by kind (IPs: InternalIP/ExternalIP; names: the rest). */
export interface NodeAddresses {
  ips: string[];
  names: string[];
}

const sameSet = (a: string[], b: string[]) => {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
};

/** Approve a kubelet serving request only from the node it names, for exactly the addresses its Node reports. */
export function decideServingApproval(csr: CertificateSigningRequest, info: CsrInfo, node: NodeAddresses | undefined): ApprovalDecision {
  const conditions = csr.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Approved' || c.type === 'Denied')) return { approve: false, why: 'already approved or denied' };
  if (csr.spec.signerName !== kubeletServingSigner) return { approve: false, why: `signer ${csr.spec.signerName} is not ${kubeletServingSigner}` };
  const problem = kubeletServingProblem(info, csr.spec.usages ?? []);
  if (problem) return { approve: false, why: `not a kubelet serving certificate request: ${problem}` };
  const user = csr.spec.username ?? '';
  if (user !== info.commonName) return { approve: false, why: `${user} may not request a serving certificate for ${info.commonName}: only the node itself may; left for an administrator` };
  const name = info.commonName.slice(nodePrefix.length);
  if (!node) return { approve: false, why: `node ${name} does not exist` };
  if (!sameSet(info.ipAddresses, node.ips)) return { approve: false, why: `IP subjectAltNames [${info.ipAddresses.join(' ')}] are not node ${name}'s addresses [${node.ips.join(' ')}]; left for an administrator` };
  if (!sameSet(info.dnsNames, node.names)) return { approve: false, why: `DNS subjectAltNames [${info.dnsNames.join(' ')}] are not node ${name}'s names [${node.names.join(' ')}]; left for an administrator` };
  return { approve: true, message: 'Auto approving kubelet serving certificate: the node itself asked for its own addresses.' };
}
