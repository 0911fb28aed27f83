import test from 'ava';
import { authorizeKubeletClient, requestAttributes, type KubeletRequest } from '../../../../src/agent/kubelet/authz.js';

const apiserver = { verified: true, commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'] };
const node = { verified: true, commonName: 'system:node:node2', organizations: ['system:nodes'] };
/** The answers an RBAC with kubeadm's cluster-admins binding gives, and what it was asked. */
function authorizer(): { asked: KubeletRequest[]; rbac: (r: KubeletRequest) => Promise<boolean> } {
  const asked: KubeletRequest[] = [];
  return { asked, rbac: async (r) => (asked.push(r), r.groups.includes('kubeadm:cluster-admins')) };
}

test("kubeadm's apiserver-kubelet-client may use the kubelet API when the SubjectAccessReview says so", async (t) => {
  const { asked, rbac } = authorizer();
  t.deepEqual(await authorizeKubeletClient(apiserver, 'GET', '/containerLogs/default/p/main', rbac), { allowed: true });
  t.deepEqual(asked.at(-1), { user: 'kube-apiserver-kubelet-client', groups: ['kubeadm:cluster-admins'], verb: 'get', subresource: 'proxy' });
});

test('no certificate, or one the lab CA did not issue: 401 Unauthorized, without asking the authorizer', async (t) => {
  const { asked, rbac } = authorizer();
  t.deepEqual(await authorizeKubeletClient({ verified: false, organizations: [] }, 'GET', '/containerLogs/default/p/main', rbac), { allowed: false, code: 401, message: 'Unauthorized' });
  t.like(await authorizeKubeletClient({ ...apiserver, verified: false }, 'GET', '/', rbac), { allowed: false, code: 401 });
  t.is(asked.length, 0);
});

test("another identity (a node's certificate): 403 in the kubelet's words; an authorizer failure is a 500", async (t) => {
  const { rbac } = authorizer();
  t.deepEqual(await authorizeKubeletClient(node, 'GET', '/containerLogs/default/p/main?follow=true', rbac), { allowed: false, code: 403, message: 'Forbidden (user=system:node:node2, verb=get, resource=nodes, subresource=proxy)' });
  t.like(await authorizeKubeletClient(node, 'GET', '/metrics', rbac), { message: 'Forbidden (user=system:node:node2, verb=get, resource=nodes, subresource=metrics)' });
  const down = async () => Promise.reject(new Error('connection refused'));
  t.deepEqual(await authorizeKubeletClient(apiserver, 'POST', '/exec/ns/p/c', down), { allowed: false, code: 500, message: 'Authorization error (user=kube-apiserver-kubelet-client, verb=create, resource=nodes, subresource=proxy)' });
  t.deepEqual(requestAttributes('POST', '/exec/ns/p/c?command=ls'), { verb: 'create', subresource: 'proxy' });
  t.deepEqual(requestAttributes('CONNECT', '10.244.3.2:8080'), { verb: 'create', subresource: 'proxy' });
});
