// Who makes a request and what it asks to do, as upstream's user.Info and
// authorizer.Attributes: authentication fills the first, authorization judges the second.
import type http from 'node:http';
import type { PolicyRule } from '../../api/types.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request asks (upstream's RequestInfo + user): resource requests name verb/group/resource; others a path. */
export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection for resources; the lower-cased HTTP method otherwise. */
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** reason: why, in upstream's words (RBAC names the allowing binding; a denial names missing roles, if any). */
export type Decision = { allowed: boolean; reason?: string };

/** undefined: this authenticator has nothing to say (no credentials of its kind); throws an ApiError 401 for bad ones. */
export type Authenticator = (req: http.IncomingMessage) => Promise<UserInfo | undefined> | UserInfo | undefined;

export interface Authorizer {
  authorize(a: Attributes): Decision;
  /** The rules that apply to user in namespace (SelfSubjectRulesReview); incomplete when an authorizer cannot list its rules. */
  rulesFor?(user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; incomplete: boolean; errors: string[] };
}

export const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Until a lab turns authentication and authorization on, every request is its admin's (the old behaviour). */
export const labAdmin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

export const allowAll: Authorizer = { authorize: () => ({ allowed: true }) };
