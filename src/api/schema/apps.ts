// apps/v1: Deployments and ReplicaSets (their pod template is core's).
import type { Package } from './describe.js';

const conditionDocs = {
  status: '2 string required enum:True|False|Unknown -- Whether the condition holds.',
  reason: '4 string -- A CamelCase reason for the last transition.',
  message: '5 string -- A human-readable explanation.',
};

export const apps: Package = {
  name: 'apps',
  openapiPrefix: 'io.k8s.api.apps.v1',
  messages: {
    Deployment: {
      '': 'Runs a number of identical pods through ReplicaSets and rolls out changes of their template gradually.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 DeploymentSpec -- The pods wanted and how to update them.',
      status: '3 DeploymentStatus -- The current state of the rollout, set by the deployment controller.',
    },
    DeploymentSpec: {
      '': 'The desired state of a deployment.',
      replicas: '1 int32? -- How many pods to run; default 1.',
      selector: '2 meta.LabelSelector required -- The labels of the pods the deployment manages; must match the template labels. Cannot change in apps/v1.',
      template: '3 core.PodTemplateSpec required -- The pods to create. Changing it starts a rollout.',
      strategy: '4 DeploymentStrategy -- How old pods are replaced by new ones.',
      minReadySeconds: '5 int32 -- Seconds a new pod must be ready before it counts as available; default 0.',
      revisionHistoryLimit: '6 int32? -- How many old ReplicaSets to keep for rollbacks; default 10.',
      paused: '7 bool -- When true, template changes do not start a rollout.',
      progressDeadlineSeconds: '9 int32? -- Seconds a rollout may make no progress before it is reported failed (ProgressDeadlineExceeded); default 600.',
    },
    DeploymentStrategy: {
      '': 'How a deployment replaces its pods.',
      type: '1 string enum:Recreate|RollingUpdate -- RollingUpdate (default) replaces pods a few at a time; Recreate stops all old pods first.',
      rollingUpdate: '2 RollingUpdateDeployment -- Limits of a rolling update.',
    },
    RollingUpdateDeployment: {
      '': 'The pace of a rolling update.',
      maxUnavailable: '1 meta.IntOrString -- How many pods (or what percentage of replicas) may be unavailable during the update; default 25%.',
      maxSurge: '2 meta.IntOrString -- How many pods (or what percentage) may run above replicas during the update; default 25%.',
    },
    DeploymentStatus: {
      '': 'The observed state of a deployment.',
      observedGeneration: '1 int64 -- The generation the controller last acted on.',
      replicas: '2 int32 -- Pods of all its ReplicaSets.',
      updatedReplicas: '3 int32 -- Pods with the current template.',
      readyReplicas: '7 int32 -- Pods that are ready.',
      availableReplicas: '4 int32 -- Pods ready for at least minReadySeconds.',
      unavailableReplicas: '5 int32 -- Pods still needed to reach replicas available.',
      terminatingReplicas: '9 int32 -- Pods being deleted.',
      conditions: '6 []DeploymentCondition merge:type -- Available, Progressing and ReplicaFailure.',
      collisionCount: '8 int32 -- Used to make ReplicaSet names unique when template hashes collide.',
    },
    DeploymentCondition: {
      '': 'One aspect of the state of a deployment.',
      type: '1 string required enum:Available|Progressing|ReplicaFailure -- The condition.',
      ...conditionDocs,
      lastUpdateTime: '6 meta.Time -- When the condition was last updated.',
      lastTransitionTime: '7 meta.Time -- When status last changed.',
    },
    ReplicaSet: {
      '': 'Keeps a number of pods matching a selector running, creating or deleting pods from its template. Usually managed by a Deployment.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 ReplicaSetSpec -- The pods wanted.',
      status: '3 ReplicaSetStatus -- The pods there are, set by the replicaset controller.',
    },
    ReplicaSetSpec: {
      '': 'The desired state of a replica set.',
      replicas: '1 int32? -- How many pods to run; default 1.',
      minReadySeconds: '4 int32 -- Seconds a new pod must be ready before it counts as available.',
      selector: '2 meta.LabelSelector required -- The labels of the pods it manages; must match the template labels.',
      template: '3 core.PodTemplateSpec -- The pods to create when there are too few.',
    },
    ReplicaSetStatus: {
      '': 'The observed state of a replica set.',
      replicas: '1 int32 required -- Pods it manages.',
      fullyLabeledReplicas: '2 int32 -- Pods with all the labels of the template.',
      readyReplicas: '4 int32 -- Pods that are ready.',
      availableReplicas: '5 int32 -- Pods ready for at least minReadySeconds.',
      terminatingReplicas: '7 int32 -- Pods being deleted.',
      observedGeneration: '3 int64 -- The generation the controller last acted on.',
      conditions: '6 []ReplicaSetCondition merge:type -- The current conditions.',
    },
    ReplicaSetCondition: {
      '': 'One aspect of the state of a replica set.',
      type: '1 string required -- The condition, such as ReplicaFailure.',
      ...conditionDocs,
      lastTransitionTime: '3 meta.Time -- When status last changed.',
    },
  },
};
