// Who may use the kubelet's TLS port, as upstream's kubelet decides with webhook authentication and
// authorization: the client certificate must chain to the lab CA (else 401, the x509
// authenticator), then a SubjectAccessReview asks the API server whether that user may <verb> nodes/
// <subresource> of this node (else 403 in the kubelet's words), the answers cached as the kubelet's
// webhook cache does (allowed 5 minutes, denied 30 s). kubeadm's apiserver-kubelet-client may (O
// kubeadm:cluster-admins, bound to cluster-admin); a node's own certificate may not.
import type { ApiClient } from '../../client/client.js';

export interface PeerCertificate {
  /** The TLS layer verified it against the lab CA. */
  verified: boolean;
  commonName?: string;
  organizations: string[];
}

export interface KubeletRequest {
  user: string;
  groups: string[];
  verb: string;
  subresource: string;
}

export type KubeletAuthz = { allowed: true } | { allowed: false; code: 401 | 403 | 500; message: string };

/** The kubelet's request attributes (upstream's NodeAuthorizerAttributesGetter): verb from the method, resource nodes. */
export function requestAttributes(method: string | undefined, path: string): { verb: string; subresource: string } {
  const verbs: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', CONNECT: 'create' };
  const first = path.split('?')[0]!.split('/')[1] ?? '';
  const subresource = first === 'metrics' ? 'metrics' : first === 'logs' ? 'log' : 'proxy';
  return { verb: verbs[method ?? 'GET'] ?? 'get', subresource };
}

/** Pure: authentication by the certificate, then the authorizer's answer for the request's attributes. */
export async function authorizeKubeletClient(peer: PeerCertificate, method: string | undefined, path: string, authorize: (r: KubeletRequest) => Promise<boolean>): Promise<KubeletAuthz> {
  if (!peer.verified || !peer.commonName) return { allowed: false, code: 401, message: 'Unauthorized' };
  const r = { user: peer.commonName, groups: peer.organizations, ...requestAttributes(method, path) };
  const what = `(user=${r.user}, verb=${r.verb}, resource=nodes, subresource=${r.subresource})`;
  try {
    return (await authorize(r)) ? { allowed: true } : { allowed: false, code: 403, message: `Forbidden ${what}` };
  } catch {
    return { allowed: false, code: 500, message: `Authorization error ${what}` };
  }
}

/** The webhook authorizer: a SubjectAccessReview for nodes/<subresource> of this node, cached. */
export function subjectAccessReviewer(client: ApiClient, node: string, now = () => Date.now()): (r: KubeletRequest) => Promise<boolean> {
  const cache = new Map<string, { allowed: boolean; until: number }>();
  return async (r) => {
    const key = JSON.stringify([r.user, r.groups, r.verb, r.subresource]);
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.allowed;
    const review = await client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: r.user, groups: r.groups, resourceAttributes: { verb: r.verb, resource: 'nodes', subresource: r.subresource, name: node } },
    });
    const allowed = review.status?.allowed === true;
    cache.set(key, { allowed, until: now() + (allowed ? 300_000 : 30_000) });
    return allowed;
  };
}
