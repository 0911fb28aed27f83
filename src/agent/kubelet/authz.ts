// Who may use the kubelet's TLS port: the client certificate must chain to the lab CA (else 401, as
// the kubelet's x509 authenticator), and its subject must be a cluster admin, as kubeadm's
// apiserver-kubelet-client is (O kubeadm:cluster-admins, or system:masters before kubeadm 1.29).
// The kubelet's webhook authorizer would ask the API server about nodes/proxy; the lab's kubelet
// decides from the groups, which cluster-admin is bound to, so nodes and other users get 403.

export interface PeerCertificate {
  /** The TLS layer verified it against the lab CA. */
  verified: boolean;
  commonName?: string;
  organizations: string[];
}

export type KubeletAuthz = { allowed: true; user: string } | { allowed: false; code: 401 | 403; message: string };

const adminGroups = ['system:masters', 'kubeadm:cluster-admins'];

/** The kubelet's request attributes (upstream's NodeAuthorizerAttributesGetter): verb from the method, resource nodes. */
export function requestAttributes(method: string | undefined, path: string): { verb: string; subresource: string } {
  const verbs: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', CONNECT: 'create' };
  const first = path.split('?')[0]!.split('/')[1] ?? '';
  const subresource = first === 'metrics' ? 'metrics' : first === 'logs' ? 'log' : 'proxy';
  return { verb: verbs[method ?? 'GET'] ?? 'get', subresource };
}

export function authorizeKubeletClient(peer: PeerCertificate, method: string | undefined, path: string): KubeletAuthz {
  if (!peer.verified || !peer.commonName) return { allowed: false, code: 401, message: 'Unauthorized' };
  if (peer.organizations.some((o) => adminGroups.includes(o))) return { allowed: true, user: peer.commonName };
  const a = requestAttributes(method, path);
  return { allowed: false, code: 403, message: `Forbidden (user=${peer.commonName}, verb=${a.verb}, resource=nodes, subresource=${a.subresource})` };
}
