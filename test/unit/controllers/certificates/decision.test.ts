import test from 'ava';
import type { CertificateSigningRequest } from '../../../../src/api/types.js';
import { clientUsageProblem, decideApproval, kubeletClientProblem, type ApprovalInput } from '../../../../src/controllers/certificates/decision.js';

const nodeInfo = (name: string) => ({ organizations: ['system:nodes'], commonName: `system:node:${name}`, sanKinds: [], dnsNames: [], ipAddresses: [] });
const csr = (user: string, extra: Partial<CertificateSigningRequest['spec']> = {}): CertificateSigningRequest => ({
  metadata: { name: 'node-csr-x' },
  spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: user, ...extra },
});
const bootstrapper = 'system:bootstrap:abcdef';
const hosts = [
  { name: 'hostb', requestedBy: bootstrapper, nodes: ['node3', 'node4'] },
  { name: 'hostc', requestedBy: 'system:bootstrap:other1', nodes: ['node5'] },
];
const input = (over: Partial<ApprovalInput>): ApprovalInput => ({ csr: csr(bootstrapper), info: nodeInfo('node3'), may: { nodeclient: true, selfnodeclient: false }, hosts, ...over });

test('a node name allocated to a Host the requester created is approved', (t) => {
  t.deepEqual(decideApproval(input({})), { approve: true, message: 'Auto approving kubelet client certificate after SubjectAccessReview.' });
  t.true(decideApproval(input({ info: nodeInfo('node4') })).approve);
});

test("a name allocated to another requester's Host, or to no Host, stays pending for a human", (t) => {
  t.like(decideApproval(input({ info: nodeInfo('node5') })), { approve: false, why: 'node node5 belongs to Host hostc, which system:bootstrap:abcdef did not create; left for an administrator' });
  t.like(decideApproval(input({ info: nodeInfo('node1') })), { approve: false, why: 'node name node1 is not allocated to any Host; left for an administrator (kubectl certificate approve node-csr-x)' });
  t.like(decideApproval(input({ hosts: [] })), { approve: false });
  t.like(decideApproval(input({ hosts: [{ name: 'hostb', nodes: ['node3'] }] })), { approve: false }, 'a Host without requested-by belongs to nobody');
});

test('without the nodeclient SubjectAccessReview, or for other signers, subjects or usages: not approved', (t) => {
  t.like(decideApproval(input({ may: { nodeclient: false, selfnodeclient: false } })), { approve: false, why: 'system:bootstrap:abcdef may not create certificatesigningrequests/nodeclient' });
  t.like(decideApproval(input({ csr: csr(bootstrapper, { signerName: 'kubernetes.io/kube-apiserver-client' }) })), { approve: false, why: 'signer kubernetes.io/kube-apiserver-client is never auto-approved' });
  t.like(decideApproval(input({ info: { organizations: ['system:masters'], commonName: 'system:node:node3', sanKinds: [], dnsNames: [], ipAddresses: [] } })), { approve: false, why: 'not a node client certificate request: subject organization is not system:nodes' });
  t.like(decideApproval(input({ csr: csr(bootstrapper, { usages: ['digital signature', 'client auth', 'server auth'] }) })), { approve: false, why: 'not a node client certificate request: usages did not match [client auth digital signature key encipherment]' });
  const approved = { ...csr(bootstrapper), status: { conditions: [{ type: 'Denied', status: 'True' }] } };
  t.like(decideApproval(input({ csr: approved })), { approve: false, why: 'already approved or denied' });
});

test('a node renewing its own certificate is approved with selfnodeclient, without a Host', (t) => {
  t.true(decideApproval(input({ csr: csr('system:node:node1'), info: nodeInfo('node1'), may: { nodeclient: false, selfnodeclient: true }, hosts: [] })).approve);
  t.false(decideApproval(input({ csr: csr('system:node:node1'), info: nodeInfo('node1'), may: { nodeclient: true, selfnodeclient: false }, hosts: [] })).approve);
});

test("the signers' checks speak upstream's words", (t) => {
  t.is(kubeletClientProblem({ organizations: ['system:nodes'], commonName: 'system:node:a', sanKinds: ['DNS'], dnsNames: [], ipAddresses: [] }, ['digital signature', 'client auth']), 'DNS subjectAltNames are not allowed');
  t.is(kubeletClientProblem({ organizations: ['system:nodes'], commonName: 'alice', sanKinds: [], dnsNames: [], ipAddresses: [] }, ['digital signature', 'client auth']), 'subject common name does not begin with system:node:');
  t.is(kubeletClientProblem(nodeInfo('a'), ['digital signature', 'key encipherment', 'client auth']), undefined);
  t.is(clientUsageProblem(['client auth', 'server auth']), 'invalid usage for client certificate: server auth');
  t.is(clientUsageProblem(['client auth', 'digital signature']), undefined);
});
