// authentication.k8s.io/v1: TokenRequest, the body of POST serviceaccounts/<name>/token
// (`kubectl create token` sends it as protobuf), and SelfSubjectReview (`kubectl auth whoami`).
import type { Package } from './describe.js';

export const authentication: Package = {
  name: 'authentication',
  openapiPrefix: 'io.k8s.api.authentication.v1',
  messages: {
    TokenRequest: {
      '': 'Requests a token for a given service account.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 TokenRequestSpec required -- What the token is for.',
      status: '3 TokenRequestStatus -- The issued token.',
    },
    TokenRequestSpec: {
      '': 'What a client asks of a token.',
      audiences: '1 []string -- Who the token is for; empty means the API server.',
      expirationSeconds: '4 int64? -- How long the token is valid; at least 600, default 3600.',
      boundObjectRef: '3 BoundObjectReference -- An object (Pod, Secret or Node) the token is valid only as long as it exists.',
    },
    TokenRequestStatus: {
      '': 'The issued token.',
      token: '1 string required -- The opaque bearer token.',
      expirationTimestamp: '2 meta.Time required -- When the token expires.',
    },
    SelfSubjectReview: {
      '': 'Who the API server takes the requester for.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      status: '2 SelfSubjectReviewStatus -- Filled in by the server.',
    },
    SelfSubjectReviewStatus: { '': 'The requester.', userInfo: '1 UserInfo -- The user as authenticated.' },
    UserInfo: {
      '': 'An authenticated user.',
      username: '1 string -- The user name.',
      uid: '2 string -- A unique value across time.',
      groups: '3 []string -- The groups the user is in.',
      extra: '4 map<string,ExtraValue> -- Its extra attributes.',
    },
    ExtraValue: { '': 'Values of one extra attribute.', items: '1 []string -- The values.' },
    BoundObjectReference: {
      '': 'An object a token is bound to.',
      kind: '1 string -- Pod, Secret or Node.',
      apiVersion: '2 string -- API version of the referent.',
      name: '3 string -- Name of the referent.',
      uid: '4 string -- UID of the referent.',
    },
  },
};
