// Bootstrap tokens as upstream (k8s.io/cluster-bootstrap): the token format, the Secret that holds
// one (kube-system/bootstrap-token-<id>, type bootstrap.kubernetes.io/token), and the detached
// HS256 JWS with which the bootstrap signer signs kube-public/cluster-info for each signing token
// (key: the token secret; protected header {"alg":"HS256","kid":<token id>}, as token/jws upstream).
import { CompactSign, compactVerify } from 'jose';
import type { Secret } from './types.js';

export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token';
export const bootstrapTokenSecretPrefix = 'bootstrap-token-';
/** The lab's auth-extra-groups, as kubeadm's system:bootstrappers:kubeadm:default-node-token. */
export const defaultNodeTokenGroup = 'system:bootstrappers:svclab:default-node-token';
export const clusterInfo = { namespace: 'kube-public', name: 'cluster-info', jwsPrefix: 'jws-kubeconfig-' };

const tokenRe = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const extraGroupRe = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface TokenParts {
  id: string;
  secret: string;
}

/** "<id>.<secret>" ([a-z0-9]{6}.[a-z0-9]{16}), or undefined. */
export function parseToken(token: string): TokenParts | undefined {
  const m = tokenRe.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export interface BootstrapToken extends TokenParts {
  /** RFC 3339, absent: never expires. */
  expiration?: string;
  authentication: boolean;
  signing: boolean;
  extraGroups: string[];
  description?: string;
}

/** What a bootstrap-token Secret says, or undefined when it is not a well-formed one. */
export function tokenFromSecret(secret: Secret): BootstrapToken | undefined {
  if (secret.type !== bootstrapTokenSecretType || !secret.metadata.name?.startsWith(bootstrapTokenSecretPrefix)) return undefined;
  const get = (key: string): string | undefined => {
    const v = secret.data?.[key];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const id = get('token-id');
  const value = get('token-secret');
  if (!id || !value || secret.metadata.name !== `${bootstrapTokenSecretPrefix}${id}` || !parseToken(`${id}.${value}`)) return undefined;
  const groups = (get('auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  return {
    id,
    secret: value,
    ...(get('expiration') ? { expiration: get('expiration') } : {}),
    authentication: get('usage-bootstrap-authentication') === 'true',
    signing: get('usage-bootstrap-signing') === 'true',
    extraGroups: groups,
    ...(get('description') ? { description: get('description') } : {}),
  };
}

/** Expired, or an expiration that does not parse (upstream treats that as expired too). */
export function isExpired(token: { expiration?: string }, now = Date.now()): boolean {
  if (!token.expiration) return false;
  const at = Date.parse(token.expiration);
  return Number.isNaN(at) || at <= now;
}

/** The groups a token authenticates with: system:bootstrappers plus its valid extra groups. */
export function tokenGroups(token: BootstrapToken): string[] {
  return ['system:bootstrappers', ...token.extraGroups.filter((g) => extraGroupRe.test(g))];
}

/** RFC 7515 appendix F: a compact JWS with the payload left out ("<header>..<signature>"). */
export async function detachedSignature(content: string, token: TokenParts): Promise<string> {
  const full = await new CompactSign(new TextEncoder().encode(content)).setProtectedHeader({ alg: 'HS256', kid: token.id }).sign(new TextEncoder().encode(token.secret));
  const [header, , signature] = full.split('.');
  return `${header}..${signature}`;
}

/** Whether jws is token's detached signature of content. */
export async function verifyDetached(content: string, jws: string, token: TokenParts): Promise<boolean> {
  const [header, payload, signature] = jws.split('.');
  if (header === undefined || payload !== '' || signature === undefined) return false;
  try {
    const full = `${header}.${Buffer.from(content).toString('base64url')}.${signature}`;
    const { protectedHeader } = await compactVerify(full, new TextEncoder().encode(token.secret), { algorithms: ['HS256'] });
    return protectedHeader.kid === undefined || protectedHeader.kid === token.id;
  } catch {
    return false;
  }
}
