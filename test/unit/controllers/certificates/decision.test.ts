import test from 'ava';
import type { CertificateSigningRequest } from '../../../../src/api/types.js';
import { clientUsageProblem, decideApproval, decideServingApproval, kubeletClientProblem, kubeletServingProblem, type ApprovalInput } from '../../../../src/controllers/certificates/decision.js';

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

const servingInfo = (name: string, ips: string[], dns: string[]) => ({ organizations: ['system:nodes'], commonName: `system:node:${name}`, sanKinds: ['DNS', 'IP Address'], dnsNames: dns, ipAddresses: ips });
const servingCsr = (user: string, usages = ['digital signature', 'server auth']): CertificateSigningRequest => ({
  metadata: { name: 'csr-x' },
  spec: { request: '', signerName: 'kubernetes.io/kubelet-serving', usages, username: user },
});
const node3 = { ips: ['172.18.0.4'], names: ['node3'] };

test('a kubelet serving request is approved only from that very node, for exactly its addresses', (t) => {
  t.deepEqual(decideServingApproval(servingCsr('system:node:node3'), servingInfo('node3', ['172.18.0.4'], ['node3']), node3), { approve: true, message: 'Auto approving kubelet serving certificate: the node itself asked for its own addresses.' });
  t.like(decideServingApproval(servingCsr('system:node:node4'), servingInfo('node3', ['172.18.0.4'], ['node3']), node3), { approve: false, why: 'system:node:node4 may not request a serving certificate for system:node:node3: only the node itself may; left for an administrator' });
  t.like(decideServingApproval(servingCsr(bootstrapper), servingInfo('node3', ['172.18.0.4'], ['node3']), node3), { approve: false });
  t.like(decideServingApproval(servingCsr('system:node:node3'), servingInfo('node3', ['172.18.0.4', '172.18.0.1'], ['node3']), node3), { approve: false, why: "IP subjectAltNames [172.18.0.4 172.18.0.1] are not node node3's addresses [172.18.0.4]; left for an administrator" });
  t.like(decideServingApproval(servingCsr('system:node:node3'), servingInfo('node3', ['172.18.0.4'], ['node3', 'kubernetes']), node3), { approve: false });
  t.like(decideServingApproval(servingCsr('system:node:node3'), servingInfo('node3', ['172.18.0.4'], ['node3']), undefined), { approve: false, why: 'node node3 does not exist' });
  t.like(decideServingApproval(servingCsr('system:node:node3', ['digital signature', 'client auth']), servingInfo('node3', ['172.18.0.4'], ['node3']), node3), { approve: false, why: 'not a kubelet serving certificate request: usages did not match [digital signature key encipherment server auth]' });
});

test("kubelet-serving: upstream's ValidateKubeletServingCSR words", (t) => {
  const ok = servingInfo('a', ['1.2.3.4'], []);
  t.is(kubeletServingProblem(ok, ['digital signature', 'key encipherment', 'server auth']), undefined);
  t.is(kubeletServingProblem(servingInfo('a', [], []), ['digital signature', 'server auth']), 'DNS or IP subjectAltName is required');
  t.is(kubeletServingProblem({ ...ok, organizations: [] }, ['digital signature', 'server auth']), 'subject organization is not system:nodes');
  t.is(kubeletServingProblem({ ...ok, sanKinds: ['IP Address', 'URI'] }, ['digital signature', 'server auth']), 'URI subjectAltNames are not allowed');
  t.is(kubeletServingProblem({ ...ok, commonName: 'node-a' }, ['digital signature', 'server auth']), 'subject common name does not begin with system:node:');
});
