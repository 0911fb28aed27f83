import test from 'ava';
import { authorizeKubeletClient, requestAttributes } from '../../../../src/agent/kubelet/authz.js';

const apiserver = { verified: true, commonName: 'kube-apiserver-kubelet-client', organizations: ['kubeadm:cluster-admins'] };

test("kubeadm's apiserver-kubelet-client (and system:masters) may use the kubelet API", (t) => {
  t.deepEqual(authorizeKubeletClient(apiserver, 'GET', '/containerLogs/default/p/main'), { allowed: true, user: 'kube-apiserver-kubelet-client' });
  t.true(authorizeKubeletClient({ verified: true, commonName: 'kubernetes-admin', organizations: ['system:masters'] }, 'POST', '/exec/default/p/main').allowed);
});

test('no certificate, or one the lab CA did not issue: 401 Unauthorized', (t) => {
  t.deepEqual(authorizeKubeletClient({ verified: false, organizations: [] }, 'GET', '/containerLogs/default/p/main'), { allowed: false, code: 401, message: 'Unauthorized' });
  t.like(authorizeKubeletClient({ ...apiserver, verified: false }, 'GET', '/'), { allowed: false, code: 401 });
});

test("another identity (a node's certificate): 403 in the kubelet's words", (t) => {
  const node = { verified: true, commonName: 'system:node:node2', organizations: ['system:nodes'] };
  t.deepEqual(authorizeKubeletClient(node, 'GET', '/containerLogs/default/p/main?follow=true'), { allowed: false, code: 403, message: 'Forbidden (user=system:node:node2, verb=get, resource=nodes, subresource=proxy)' });
  t.like(authorizeKubeletClient(node, 'GET', '/metrics'), { message: 'Forbidden (user=system:node:node2, verb=get, resource=nodes, subresource=metrics)' });
  t.deepEqual(requestAttributes('POST', '/exec/ns/p/c?command=ls'), { verb: 'create', subresource: 'proxy' });
  t.deepEqual(requestAttributes('CONNECT', '10.244.3.2:8080'), { verb: 'create', subresource: 'proxy' });
});
