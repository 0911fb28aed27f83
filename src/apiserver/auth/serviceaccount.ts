// ServiceAccount tokens as upstream's bound tokens: RS256 JWTs signed with the lab's
// ServiceAccount key (the `jose` library signs and verifies), claims iss/sub/aud/exp/iat/nbf/jti
// and `kubernetes.io` {namespace, serviceaccount, pod}. A token authenticates only while its
// ServiceAccount, and the pod it is bound to, still exist with the same uid.
import crypto from 'node:crypto';
import { errors, importPKCS8, importSPKI, jwtVerify, SignJWT, decodeJwt, type CryptoKey } from 'jose';
import type { KubeObject } from '../../api/types.js';
import type { UserInfo } from './user.js';

const serviceAccountPrefix = 'system:serviceaccount:';

export interface BoundPod {
  name: string;
  uid: string;
}

interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string }; pod?: BoundPod; node?: BoundPod };
}

/** Finds a stored object ("core/serviceaccounts", "ns/name"). */
export type Lookup = (type: string, key: string) => KubeObject | undefined;

export interface IssueRequest {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  pod?: BoundPod;
  /** The bound pod's node (upstream's ServiceAccountTokenPodNodeInfo, on by default since 1.30). */
  node?: BoundPod;
  audiences?: string[];
  expirationSeconds: number;
}

export class TokenIssuer {
  private constructor(
    private readonly key: CryptoKey,
    private readonly kid: string,
    readonly issuer: string,
    readonly audiences: string[],
  ) {}

  /** issuer: --service-account-issuer; audiences default to it, as upstream's --api-audiences. */
  static async fromPem(privatePem: string, issuer: string, audiences = [issuer]): Promise<TokenIssuer> {
    return new TokenIssuer(await importPKCS8(privatePem, 'RS256'), keyId(privatePem), issuer, audiences);
  }

  async issue(r: IssueRequest, now = Math.floor(Date.now() / 1000)): Promise<{ token: string; expiresAt: number }> {
    const exp = now + r.expirationSeconds;
    const claims = {
      'kubernetes.io': { namespace: r.namespace, serviceaccount: r.serviceAccount, ...(r.pod ? { pod: r.pod } : {}), ...(r.node ? { node: r.node } : {}) },
    };
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.kid })
      .setIssuer(this.issuer)
      .setSubject(`${serviceAccountPrefix}${r.namespace}:${r.serviceAccount.name}`)
      .setAudience(r.audiences && r.audiences.length > 0 ? r.audiences : this.audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(crypto.randomUUID())
      .sign(this.key);
    return { token, expiresAt: exp };
  }
}

/** upstream's key id: the unpadded base64url SHA-256 of the public key's DER. */
function keyId(privatePem: string): string {
  const der = crypto.createPublicKey(privatePem).export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64url');
}

export interface VerifyOptions {
  publicKeyPem: string;
  issuer: string;
  audiences: string[];
  lookup: Lookup;
}

/** Whether a bearer token is a JWT this issuer signed (so other authenticators get a chance at the rest). */
export function looksLikeServiceAccountToken(token: string, issuer: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    return decodeJwt(token).iss === issuer;
  } catch {
    return false;
  }
}

export type TokenVerifier = (token: string) => Promise<UserInfo>;

/** Verifies signature, issuer, audience, time, and that the ServiceAccount (and bound pod) still exist with the same uid. Throws with the reason. */
export async function serviceAccountVerifier(o: VerifyOptions): Promise<TokenVerifier> {
  const key = await importSPKI(o.publicKeyPem, 'RS256');
  return async (token) => {
    const { payload } = await jwtVerify(token, key, { issuer: o.issuer, audience: o.audiences, algorithms: ['RS256'] });
    const k8s = (payload as unknown as TokenClaims)['kubernetes.io'];
    if (!k8s?.namespace || !k8s.serviceaccount?.name) throw new errors.JWTClaimValidationFailed('token has no kubernetes.io claims', payload, 'kubernetes.io');
    const ns = k8s.namespace;
    const sa = o.lookup('core/serviceaccounts', `${ns}/${k8s.serviceaccount.name}`);
    if (!sa) throw new Error(`serviceaccounts "${k8s.serviceaccount.name}" not found`);
    if (sa.metadata.uid !== k8s.serviceaccount.uid) throw new Error(`service account UID (${k8s.serviceaccount.uid}) does not match claim (${sa.metadata.uid})`);
    if (sa.metadata.deletionTimestamp) throw new Error(`service account ${ns}/${k8s.serviceaccount.name} has been deleted`);
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      const pod = o.lookup('core/pods', `${ns}/${k8s.pod.name}`);
      if (!pod) throw new Error(`pods "${k8s.pod.name}" not found`);
      if (pod.metadata.uid !== k8s.pod.uid) throw new Error(`pod UID (${pod.metadata.uid}) does not match claim (${k8s.pod.uid})`);
      const deleting = pod.metadata.deletionTimestamp;
      if (deleting && Date.parse(deleting) < Date.now()) throw new Error(`pod ${ns}/${k8s.pod.name} is being deleted`);
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    }
    if (payload.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${payload.jti}`];
    return {
      username: `${serviceAccountPrefix}${ns}:${k8s.serviceaccount.name}`,
      uid: k8s.serviceaccount.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
      extra,
    };
  };
}
