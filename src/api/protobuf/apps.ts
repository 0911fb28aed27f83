// apps/v1 messages: Deployments and ReplicaSets (their pod template is core's).
import type { Package } from './describe.js';

export const apps: Package = {
  name: 'apps',
  messages: {
    Deployment: { metadata: '1 meta.ObjectMeta', spec: '2 DeploymentSpec' },
    DeploymentSpec: {
      replicas: '1 int32?',
      selector: '2 meta.LabelSelector',
      template: '3 core.PodTemplateSpec',
      strategy: '4 DeploymentStrategy',
      minReadySeconds: '5 int32',
      revisionHistoryLimit: '6 int32?',
      paused: '7 bool',
      progressDeadlineSeconds: '9 int32?',
    },
    DeploymentStrategy: { type: '1 string', rollingUpdate: '2 RollingUpdateDeployment' },
    RollingUpdateDeployment: { maxUnavailable: '1 meta.IntOrString', maxSurge: '2 meta.IntOrString' },
    ReplicaSet: { metadata: '1 meta.ObjectMeta', spec: '2 ReplicaSetSpec' },
    ReplicaSetSpec: { replicas: '1 int32?', minReadySeconds: '4 int32', selector: '2 meta.LabelSelector', template: '3 core.PodTemplateSpec' },
  },
};
