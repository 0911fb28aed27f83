// rbac.authorization.k8s.io/v1: roles and bindings (stored and served; not enforced in the lab).
import type { Package } from './describe.js';

const ruleList = '[]PolicyRule -- What the role allows: each rule grants verbs on resources of API groups, or on non-resource URLs.';

export const rbac: Package = {
  name: 'rbac',
  openapiPrefix: 'io.k8s.api.rbac.v1',
  messages: {
    Role: {
      '': 'A set of permissions within one namespace.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      rules: `2 ${ruleList}`,
    },
    ClusterRole: {
      '': 'A set of permissions across the cluster, or for use in any namespace through a RoleBinding.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      rules: `2 ${ruleList}`,
      aggregationRule: '3 AggregationRule -- When set, the rules are the union of those of the cluster roles it selects, maintained by the controller manager.',
    },
    RoleBinding: {
      '': 'Grants the permissions of a Role or ClusterRole to subjects, within the namespace of the binding.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      subjects: '2 []Subject -- Who gets the permissions.',
      roleRef: '3 RoleRef required -- The role granted. Cannot change.',
    },
    ClusterRoleBinding: {
      '': 'Grants the permissions of a ClusterRole to subjects across the cluster.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      subjects: '2 []Subject -- Who gets the permissions.',
      roleRef: '3 RoleRef required -- The cluster role granted. Cannot change.',
    },
    PolicyRule: {
      '': 'Verbs allowed on resources or on non-resource URLs.',
      verbs: '1 []string required -- The verbs: get, list, watch, create, update, patch, delete, deletecollection, or * for all.',
      apiGroups: '2 []string -- The API groups of the resources; "" is the core group, * all groups.',
      resources: '3 []string -- The resources, such as pods or pods/log; * for all.',
      resourceNames: '4 []string -- When set, only objects with these names.',
      nonResourceURLs: '5 []string -- URL paths such as /healthz, for cluster roles only; a trailing * matches a prefix.',
    },
    AggregationRule: { '': 'Which cluster roles to combine.', clusterRoleSelectors: '1 []meta.LabelSelector -- Cluster roles matching any selector contribute their rules.' },
    Subject: {
      '': 'A user, group or service account that gets permissions.',
      kind: '1 string required enum:Group|ServiceAccount|User -- The kind of subject.',
      apiGroup: '2 string -- rbac.authorization.k8s.io for User and Group, empty for ServiceAccount.',
      name: '3 string required -- The name of the subject.',
      namespace: '4 string -- The namespace of a ServiceAccount.',
    },
    RoleRef: {
      '': 'The role a binding grants.',
      apiGroup: '1 string required -- rbac.authorization.k8s.io.',
      kind: '2 string required enum:ClusterRole|Role -- Role or ClusterRole.',
      name: '3 string required -- The name of the role.',
    },
  },
};
