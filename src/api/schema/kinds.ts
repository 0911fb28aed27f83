// THE table of kinds the API server decodes from protobuf: "apiVersion kind" ->
// the message describing it, and the packages those messages live in. To
// decode a new kind, describe its messages in a package and add a line here.
import { apps } from './apps.js';
import { authentication } from './authentication.js';
import { authorization } from './authorization.js';
import { certificates } from './certificates.js';
import { autoscaling, coordination, discovery } from './cluster.js';
import { core } from './core.js';
import type { Package } from './describe.js';
import { meta } from './meta.js';
import { gateway } from './gateway.js';
import { hosts } from './hosts.js';
import { networking } from './networking.js';
import { rbac } from './rbac.js';

export const packages: Package[] = [meta, core, apps, autoscaling, discovery, coordination, rbac, networking, gateway, authorization, authentication, certificates, hosts];

export const kindMessages: Record<string, string> = {
  'v1 Namespace': 'core.Namespace',
  'v1 Node': 'core.Node',
  'v1 Event': 'core.Event',
  'v1 Pod': 'core.Pod',
  'v1 Service': 'core.Service',
  'v1 Endpoints': 'core.Endpoints',
  'v1 ConfigMap': 'core.ConfigMap',
  'v1 Secret': 'core.Secret',
  'v1 ServiceAccount': 'core.ServiceAccount',
  'apps/v1 Deployment': 'apps.Deployment',
  'apps/v1 ReplicaSet': 'apps.ReplicaSet',
  'autoscaling/v1 Scale': 'autoscaling.Scale',
  'discovery.k8s.io/v1 EndpointSlice': 'discovery.EndpointSlice',
  'coordination.k8s.io/v1 Lease': 'coordination.Lease',
  'networking.k8s.io/v1 Ingress': 'networking.Ingress',
  'networking.k8s.io/v1 IngressClass': 'networking.IngressClass',
  'gateway.networking.k8s.io/v1 GatewayClass': 'gateway.GatewayClass',
  'gateway.networking.k8s.io/v1 Gateway': 'gateway.Gateway',
  'gateway.networking.k8s.io/v1 HTTPRoute': 'gateway.HTTPRoute',
  'hosts.svclab.io/v1 Host': 'hosts.Host',
  'rbac.authorization.k8s.io/v1 Role': 'rbac.Role',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'rbac.ClusterRole',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'rbac.RoleBinding',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'rbac.ClusterRoleBinding',
  'authorization.k8s.io/v1 SelfSubjectAccessReview': 'authorization.SelfSubjectAccessReview',
  'authorization.k8s.io/v1 SelfSubjectRulesReview': 'authorization.SelfSubjectRulesReview',
  'authorization.k8s.io/v1 SubjectAccessReview': 'authorization.SubjectAccessReview',
  'authorization.k8s.io/v1 LocalSubjectAccessReview': 'authorization.LocalSubjectAccessReview',
  'authentication.k8s.io/v1 TokenRequest': 'authentication.TokenRequest',
  'authentication.k8s.io/v1 SelfSubjectReview': 'authentication.SelfSubjectReview',
  'certificates.k8s.io/v1 CertificateSigningRequest': 'certificates.CertificateSigningRequest',
};
