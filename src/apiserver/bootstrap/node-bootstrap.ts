// What kubeadm adds for nodes that join with a bootstrap token, named for the lab: the token's
// group may create CSRs (system:node-bootstrapper) and have client certificates auto-approved
// (nodeclient), nodes may renew their own (selfnodeclient), anonymous may read
// kube-public/cluster-info (discovery before trusting the server), and the token's group may
// create and watch the Host it joins as (hosts.svclab.io/v1 Host). And kubeadm's cluster-admins
// group (kubeadm 1.29+), which the API server's client certificate towards kubelets carries: the
// kubelets' SubjectAccessReviews let it use their API.
import { clusterInfo, defaultNodeTokenGroup } from '../../api/bootstrap-token.js';
import type { PolicyRule, Subject } from '../../api/types.js';
import { rule } from './roles.js';

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });

export const nodeBootstrapClusterRoles: { name: string; rules: PolicyRule[] }[] = [{ name: 'svclab:host-joiner', rules: [rule('create get list watch', 'hosts.svclab.io', 'hosts')] }];

export const nodeBootstrapClusterRoleBindings: { name: string; role: string; subjects: Subject[] }[] = [
  { name: 'svclab:kubelet-bootstrap', role: 'system:node-bootstrapper', subjects: [group(defaultNodeTokenGroup)] },
  { name: 'svclab:node-autoapprove-bootstrap', role: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', subjects: [group(defaultNodeTokenGroup)] },
  { name: 'svclab:node-autoapprove-certificate-rotation', role: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', subjects: [group('system:nodes')] },
  { name: 'svclab:host-joiner', role: 'svclab:host-joiner', subjects: [group(defaultNodeTokenGroup)] },
  { name: 'svclab:cluster-admins', role: 'cluster-admin', subjects: [group('kubeadm:cluster-admins')] },
];

/** kubeadm's bootstrap-signer-clusterinfo Role and RoleBinding in kube-public. */
export const clusterInfoReader = {
  namespace: clusterInfo.namespace,
  name: 'svclab:bootstrap-signer-clusterinfo',
  rules: [rule('get', 'core', 'configmaps', clusterInfo.name)],
  subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:anonymous' }] as Subject[],
};
