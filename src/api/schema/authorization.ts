// authorization.k8s.io/v1 access reviews (kubectl auth can-i sends them as
// protobuf): answered, never stored.
import type { Package } from './describe.js';

const meta = '1 meta.ObjectMeta -- Standard object metadata.';
const status = '3 SubjectAccessReviewStatus -- The answer, filled in by the server.';

export const authorization: Package = {
  name: 'authorization',
  openapiPrefix: 'io.k8s.api.authorization.v1',
  messages: {
    SelfSubjectAccessReview: { '': 'Asks whether the caller may perform an action.', metadata: meta, spec: '2 SelfSubjectAccessReviewSpec required -- The action.', status },
    SelfSubjectAccessReviewSpec: {
      '': 'The action asked about: exactly one of the two attributes.',
      resourceAttributes: '1 ResourceAttributes -- An action on a resource.',
      nonResourceAttributes: '2 NonResourceAttributes -- An action on a URL path.',
    },
    SubjectAccessReview: { '': 'Asks whether a user or group may perform an action.', metadata: meta, spec: '2 SubjectAccessReviewSpec required -- The subject and action.', status },
    LocalSubjectAccessReview: { '': 'A SubjectAccessReview within one namespace.', metadata: meta, spec: '2 SubjectAccessReviewSpec required -- The subject and action.', status },
    SubjectAccessReviewSpec: {
      '': 'The subject and the action asked about.',
      resourceAttributes: '1 ResourceAttributes -- An action on a resource.',
      nonResourceAttributes: '2 NonResourceAttributes -- An action on a URL path.',
      user: '3 string -- The user asked about.',
      groups: '4 []string -- Its groups.',
      extra: '5 map<string,ExtraValue> -- Its extra attributes.',
      uid: '6 string -- Its UID.',
    },
    ExtraValue: { '': 'Values of one extra attribute.', items: '1 []string -- The values.' },
    ResourceAttributes: {
      '': 'An action on a resource.',
      namespace: '1 string -- The namespace; empty for cluster-scoped resources or all namespaces.',
      verb: '2 string -- The verb: get, list, watch, create, update, patch, delete, ...',
      group: '3 string -- The API group.',
      version: '4 string -- The API version.',
      resource: '5 string -- The resource.',
      subresource: '6 string -- The subresource.',
      name: '7 string -- The object name; empty for all.',
    },
    NonResourceAttributes: { '': 'An action on a URL path.', path: '1 string -- The path.', verb: '2 string -- The lower-cased HTTP verb.' },
    SubjectAccessReviewStatus: {
      '': 'Whether the action is allowed.',
      allowed: '1 bool required -- True when allowed.',
      reason: '2 string -- Why.',
      evaluationError: '3 string -- What went wrong while deciding.',
      denied: '4 bool -- True when explicitly denied.',
    },
    SelfSubjectRulesReview: {
      '': 'Lists what the caller may do in a namespace.',
      metadata: meta,
      spec: '2 SelfSubjectRulesReviewSpec required -- The namespace.',
      status: '3 SubjectRulesReviewStatus -- The rules, filled in by the server.',
    },
    SelfSubjectRulesReviewSpec: { '': 'The namespace asked about.', namespace: '1 string -- The namespace.' },
    SubjectRulesReviewStatus: {
      '': 'The rules that apply.',
      resourceRules: '1 []ResourceRule -- Rules on resources.',
      nonResourceRules: '2 []NonResourceRule -- Rules on URL paths.',
      incomplete: '3 bool -- True when an authorizer could not list its rules.',
      evaluationError: '4 string -- What went wrong while listing.',
    },
    ResourceRule: {
      '': 'Verbs allowed on resources.',
      verbs: '1 []string -- The verbs.',
      apiGroups: '2 []string -- The API groups.',
      resources: '3 []string -- The resources.',
      resourceNames: '4 []string -- The object names, when limited.',
    },
    NonResourceRule: { '': 'Verbs allowed on URL paths.', verbs: '1 []string -- The verbs.', nonResourceURLs: '2 []string -- The paths; a trailing * matches a prefix.' },
  },
};
