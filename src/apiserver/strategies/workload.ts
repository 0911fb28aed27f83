// Deployments and ReplicaSets: spec from users, status from the controllers.
import { defaultDeployment, defaultReplicaSet } from '../../api/defaults/pod.js';
import { types } from '../../api/resources.js';
import type { Deployment, KubeObject, ReplicaSet } from '../../api/types.js';
import { validateDeployment, validateDeploymentName, validateReplicaSet, validateReplicaSetName } from '../../api/validation/workload.js';
import type { Strategy } from '../registry.js';

const emptyStatus = (obj: KubeObject): void => void (obj.status = {});

export const replicaSetStrategy: Strategy = {
  type: types.replicasets,
  validateName: validateReplicaSetName,
  prepareCreate: emptyStatus,
  defaults: (obj) => defaultReplicaSet(obj as ReplicaSet),
  validate: (obj, old) => validateReplicaSet(obj as ReplicaSet, old as ReplicaSet | undefined),
};

export const deploymentStrategy: Strategy = {
  type: types.deployments,
  validateName: validateDeploymentName,
  prepareCreate: emptyStatus,
  defaults: (obj) => defaultDeployment(obj as Deployment),
  validate: (obj, old) => validateDeployment(obj as Deployment, old as Deployment | undefined),
};
