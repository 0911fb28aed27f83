// The review resources: created, answered, never stored. SelfSubjectAccessReview
// and SubjectAccessReview ask the authorizer one question (kubectl auth can-i),
// SelfSubjectRulesReview lists what a user may do in a namespace (can-i --list),
// SelfSubjectReview says who the caller is (kubectl auth whoami).
import { invalid } from '../../api/errors.js';
import type { PolicyRule } from '../../api/types.js';
import type { Attributes, Authorizer, UserInfo } from './user.js';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

interface Review {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: AccessReviewSpec & { namespace?: string };
}

interface ReviewContext {
  user: UserInfo;
  authorizer: Authorizer;
  /** The request's namespace (LocalSubjectAccessReview). */
  namespace?: string;
}

export type ReviewHandler = (body: unknown, ctx: ReviewContext) => unknown;

function asReview(body: unknown): Review {
  return body && typeof body === 'object' ? (body as Review) : {};
}

function answer(review: Review, kind: string, apiVersion: string, status: unknown): unknown {
  return { kind, apiVersion, metadata: { ...(review.metadata ?? {}), creationTimestamp: null }, spec: review.spec ?? {}, status };
}

/** The attributes a review spec asks about, or a 422 as upstream's validation words it. */
function attributesOf(kind: string, spec: AccessReviewSpec, user: UserInfo): Attributes {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (!!r === !!n) {
    const message = r ? 'cannot be specified in combination with resourceAttributes' : 'exactly one of nonResourceAttributes or resourceAttributes must be specified';
    throw invalid(kind, '', [{ reason: 'FieldValueInvalid', field: r ? 'spec.nonResourceAttributes' : 'spec.resourceAttributes', message: `Invalid value: "null": ${message}` }], 'authorization.k8s.io');
  }
  if (n) return { user, verb: n.verb ?? '', resourceRequest: false, path: n.path ?? '' };
  return {
    user,
    verb: r!.verb ?? '',
    resourceRequest: true,
    path: '',
    apiGroup: r!.group ?? '',
    apiVersion: r!.version,
    resource: r!.resource ?? '',
    subresource: r!.subresource || undefined,
    namespace: r!.namespace || undefined,
    name: r!.name || undefined,
  };
}

function decide(a: Attributes, authorizer: Authorizer): { allowed: boolean; reason?: string } {
  const d = authorizer.authorize(a);
  return d.reason ? { allowed: d.allowed, reason: d.reason } : { allowed: d.allowed };
}

const authz = 'authorization.k8s.io/v1';

const selfSubjectAccessReview: ReviewHandler = (body, { user, authorizer }) => {
  const review = asReview(body);
  const a = attributesOf('SelfSubjectAccessReview', review.spec ?? {}, user);
  return answer(review, 'SelfSubjectAccessReview', authz, decide(a, authorizer));
};

/** SubjectAccessReview (cluster-wide) and LocalSubjectAccessReview (its namespace): about the user the spec names. */
function subjectAccessReview(kind: string): ReviewHandler {
  return (body, { authorizer, namespace }) => {
    const review = asReview(body);
    const spec = review.spec ?? {};
    if (!spec.user && !(spec.groups ?? []).length) throw invalid(kind, '', [{ reason: 'FieldValueRequired', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }], 'authorization.k8s.io');
    const subject: UserInfo = { username: spec.user ?? '', groups: spec.groups ?? [], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
    const a = attributesOf(kind, spec, subject);
    if (namespace !== undefined) {
      if (!a.resourceRequest) throw invalid(kind, '', [{ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: 'Invalid value: "null": disallowed on this kind of request' }], 'authorization.k8s.io');
      if (a.namespace !== undefined && a.namespace !== namespace) throw invalid(kind, '', [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', message: `Invalid value: "${a.namespace}": must match metadata.namespace` }], 'authorization.k8s.io');
      a.namespace = namespace;
    }
    return answer(review, kind, authz, decide(a, authorizer));
  };
}

const subjectAccessReviewHandler = subjectAccessReview('SubjectAccessReview');
const localSubjectAccessReviewHandler = subjectAccessReview('LocalSubjectAccessReview');

const selfSubjectRulesReview: ReviewHandler = (body, { user, authorizer }) => {
  const review = asReview(body);
  const namespace = review.spec?.namespace || undefined;
  const found = authorizer.rulesFor?.(user, namespace) ?? { rules: [], incomplete: true, errors: [] };
  const resourceRules = found.rules.filter((r) => !r.nonResourceURLs?.length).map(resourceRule);
  const nonResourceRules = found.rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  const status: Record<string, unknown> = { resourceRules, nonResourceRules, incomplete: found.incomplete };
  if (found.errors.length) status.evaluationError = found.errors.join(', ');
  return answer(review, 'SelfSubjectRulesReview', authz, status);
};

function resourceRule(r: PolicyRule): Record<string, unknown> {
  return { verbs: r.verbs, ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}), ...(r.resources ? { resources: r.resources } : {}), ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}) };
}

const selfSubjectReview: ReviewHandler = (body, { user }) => {
  const review = asReview(body);
  const userInfo = { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) };
  return { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { ...(review.metadata ?? {}), creationTimestamp: null }, status: { userInfo } };
};

/** The handlers by resource type key. */
export const reviewHandlers: Record<string, ReviewHandler> = {
  'authorization.k8s.io/selfsubjectaccessreviews': selfSubjectAccessReview,
  'authorization.k8s.io/selfsubjectrulesreviews': selfSubjectRulesReview,
  'authorization.k8s.io/subjectaccessreviews': subjectAccessReviewHandler,
  'authorization.k8s.io/localsubjectaccessreviews': localSubjectAccessReviewHandler,
  'authentication.k8s.io/selfsubjectreviews': selfSubjectReview,
};
