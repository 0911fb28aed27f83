// POST /apis/authentication.k8s.io/v1/selfsubjectreviews (`kubectl auth whoami`): the
// requester as the authenticator chain saw it.
import type http from 'node:http';
import { methodNotAllowed } from '../../api/errors.js';
import { readBody, sendJson } from '../http.js';
import type { UserInfo } from './user.js';

export const selfSubjectReviewPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

export async function selfSubjectReview(req: http.IncomingMessage, res: http.ServerResponse, user: UserInfo | undefined): Promise<void> {
  if (req.method !== 'POST') throw methodNotAllowed();
  await readBody(req); // nothing in it matters, but a malformed one is still a 400
  const u = user ?? { username: '', groups: [] };
  sendJson(res, 201, {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: { userInfo: { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra && Object.keys(u.extra).length > 0 ? { extra: u.extra } : {}) } },
  });
}
