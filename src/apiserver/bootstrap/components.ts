// Who the lab's own components are and what they may do, as kubeadm binds its
// components: the agent is kubelet and kube-proxy in one process (system:node
// through the Node authorizer, and system:node-proxier for the group
// system:nodes); the controller-manager runs every controller and the
// scheduler under one identity, so it holds the roles of the controllers it
// runs (upstream's advice when controllers do not use their own
// ServiceAccounts); the router is the lab's cloud load-balancer controller;
// the dashboard reads what it draws, deletes the pods it is told to and execs a trace's probe. The
// DNS and ingress pods use ServiceAccounts (lab/addons.ts).
import type { PolicyRule, Subject } from '../../api/types.js';
import { rule } from './roles.js';

export const identities = {
  node: (name: string) => ({ user: `system:node:${name}`, groups: ['system:nodes'] }),
  controllerManager: { user: 'system:kube-controller-manager', groups: [] as string[] },
  router: { user: 'svclab:router', groups: [] as string[] },
  dashboard: { user: 'svclab:dashboard', groups: [] as string[] },
  /** The control-plane host's overlay daemon (joined hosts' run with one of their node certificates). */
  overlay: { user: 'svclab:overlay', groups: [] as string[] },
};

/** The controllers src/controllers/main.ts runs, by their upstream role (system:controller:<name>). */
const labControllers = [
  'node-controller',
  'pod-garbage-collector',
  'replicaset-controller',
  'deployment-controller',
  'generic-garbage-collector',
  'endpoint-controller',
  'endpointslice-controller',
  'endpointslicemirroring-controller',
  'service-account-controller',
  'clusterrole-aggregation-controller',
  'root-ca-cert-publisher',
  'certificate-controller',
];

const events = rule('create patch update', 'core events.k8s.io', 'events');

export const componentClusterRoles: { name: string; rules: PolicyRule[] }[] = [
  {
    // What upstream's service-controller and a load-balancer implementation (MetalLB) read and write.
    name: 'svclab:router',
    rules: [rule('get list watch', 'core', 'services nodes'), rule('patch update', 'core', 'services/status'), rule('list watch', 'discovery.k8s.io', 'endpointslices'), events],
  },
  // A trace's probe runs in the client pod through exec, as `kubectl exec` would.
  { name: 'svclab:dashboard', rules: [rule('get list watch', 'core', 'endpoints nodes pods services'), rule('delete', 'core', 'pods'), rule('create', 'core', 'pods/exec')] },
  // The host controller (controller-manager) allocates nodes to Hosts; the overlay daemons and the agents of joined hosts read them.
  { name: 'svclab:host-controller', rules: [rule('get list watch', 'hosts.svclab.io', 'hosts'), rule('patch update', 'hosts.svclab.io', 'hosts/status')] },
  { name: 'svclab:host-reader', rules: [rule('get list watch', 'hosts.svclab.io', 'hosts')] },
];

const user = (name: string): Subject => ({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name });

/** Binding name -> role and subjects. */
export const componentBindings: { name: string; role: string; subjects: Subject[] }[] = [
  { name: 'svclab:node-proxier', role: 'system:node-proxier', subjects: [group('system:nodes')] },
  { name: 'svclab:controller-manager:kube-scheduler', role: 'system:kube-scheduler', subjects: [user(identities.controllerManager.user)] },
  ...labControllers.map((c) => ({ name: `svclab:controller-manager:${c}`, role: `system:controller:${c}`, subjects: [user(identities.controllerManager.user)] })),
  { name: 'svclab:router', role: 'svclab:router', subjects: [user(identities.router.user)] },
  { name: 'svclab:dashboard', role: 'svclab:dashboard', subjects: [user(identities.dashboard.user)] },
  { name: 'svclab:controller-manager:host-controller', role: 'svclab:host-controller', subjects: [user(identities.controllerManager.user)] },
  { name: 'svclab:host-reader', role: 'svclab:host-reader', subjects: [group('system:nodes'), user(identities.overlay.user)] },
];
