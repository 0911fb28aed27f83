import type { Strategy } from '../registry.js';
import { csrStrategy } from './certificates.js';
import { configMapStrategy, secretStrategy, serviceAccountStrategy } from './config.js';
import { eventStrategy } from './event.js';
import { gatewayClassStrategy, gatewayStrategy, httpRouteStrategy } from './gateway.js';
import { hostStrategy } from './hosts.js';
import { leaseStrategy } from './lease.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { podStrategy } from './pod.js';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy } from './rbac.js';
import { deploymentStrategy, replicaSetStrategy } from './workload.js';

export const strategies: Strategy[] = [
  namespaceStrategy,
  nodeStrategy,
  eventStrategy,
  leaseStrategy,
  podStrategy,
  replicaSetStrategy,
  deploymentStrategy,
  configMapStrategy,
  secretStrategy,
  serviceAccountStrategy,
  roleStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  clusterRoleBindingStrategy,
  gatewayClassStrategy,
  gatewayStrategy,
  httpRouteStrategy,
  csrStrategy,
  hostStrategy,
];
