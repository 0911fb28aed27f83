// The csrapproving controller: pending kubelet client requests are approved when decideApproval
// says so, after SubjectAccessReviews of the requester and a fresh read of the Hosts (an
// allocation just made counts); kubelet serving requests when decideServingApproval does, after a
// fresh read of the Node. Requests it cannot approve stay Pending for a human and are
// looked at again for a while (the Host's allocation may come later).
import { requestedByAnnotation, type Host } from '../../api/hosts.js';
import { types } from '../../api/resources.js';
import type { CertificateSigningRequest, Node } from '../../api/types.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { inspectCsr } from '../../net/csr.js';
import { WorkQueue } from '../workqueue.js';
import { decideApproval, decideServingApproval, kubeletClientSigner, kubeletServingSigner, type ApprovalDecision, type HostAllocation, type NodeAddresses } from './decision.js';
import type { CsrInfo } from '../../net/csr.js';

const recheckMs = 3000;
const recheckForMs = 15 * 60_000;

/** Read fresh, not from an informer: an allocation written just before the request counts. */
async function hostAllocations(client: ApiClient): Promise<HostAllocation[]> {
  const list = await client.list<Host>(types.hosts);
  return list.items.map((h) => ({ name: h.metadata.name!, requestedBy: h.metadata.annotations?.[requestedByAnnotation], nodes: (h.status?.nodes ?? []).map((n) => n.name) }));
}

async function may(client: ApiClient, csr: CertificateSigningRequest, subresource: string): Promise<boolean> {
  const { username, uid, groups, extra } = csr.spec;
  const review = await client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: username, uid, groups, extra, resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource } },
  });
  return review.status?.allowed === true;
}

async function nodeAddresses(client: ApiClient, info: CsrInfo): Promise<NodeAddresses | undefined> {
  const name = info.commonName.slice('system:node:'.length);
  const node = await client.get<Node>(types.nodes, name).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  if (!node) return undefined;
  const addresses = node.status?.addresses ?? [];
  const isIp = (t: string) => t === 'InternalIP' || t === 'ExternalIP';
  return { ips: addresses.filter((a) => isIp(a.type)).map((a) => a.address), names: addresses.filter((a) => !isIp(a.type)).map((a) => a.address) };
}

async function decide(client: ApiClient, csr: CertificateSigningRequest, info: CsrInfo): Promise<ApprovalDecision> {
  if (csr.spec.signerName === kubeletServingSigner) return decideServingApproval(csr, info, await nodeAddresses(client, info));
  const [nodeclient, selfnodeclient, hosts] = await Promise.all([may(client, csr, 'nodeclient'), may(client, csr, 'selfnodeclient'), hostAllocations(client)]);
  return decideApproval({ csr, info, may: { nodeclient, selfnodeclient }, hosts });
}

export function startCsrApprover(client: ApiClient, csrs: Informer<CertificateSigningRequest>): () => void {
  const said = new Map<string, string>();
  const queue = new WorkQueue('csrapproving', async (name) => {
    const csr = csrs.get(name);
    if (!csr || (csr.spec.signerName !== kubeletClientSigner && csr.spec.signerName !== kubeletServingSigner)) return;
    if ((csr.status?.conditions ?? []).some((c) => c.type === 'Approved' || c.type === 'Denied')) return;
    const parsed = await inspectCsr(Buffer.from(csr.spec.request, 'base64').toString('latin1'));
    if (!parsed.ok) return;
    const decision = await decide(client, csr, parsed.info);
    if (!decision.approve) {
      if (said.get(name) !== decision.why) console.log(`csrapproving: ${name} stays pending: ${decision.why}`);
      said.set(name, decision.why);
      if (Date.now() - Date.parse(csr.metadata.creationTimestamp ?? '') < recheckForMs) queue.addAfter(name, recheckMs);
      return;
    }
    const condition = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: decision.message };
    try {
      await client.update(types.certificatesigningrequests, { ...csr, status: { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition] } }, 'approval');
      said.delete(name);
      console.log(`csrapproving: approved ${name} (${csr.spec.username})`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  });
  const add = (c: CertificateSigningRequest) => queue.add(c.metadata.name!);
  csrs.on({ add, update: add, delete: (c) => said.delete(c.metadata.name!) });
  for (const c of csrs.list()) add(c);
  return () => queue.stop();
}
