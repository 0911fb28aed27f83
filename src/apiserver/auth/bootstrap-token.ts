// Upstream's bootstrap token authenticator: a Bearer "<id>.<secret>" whose Secret
// kube-system/bootstrap-token-<id> exists, is not being deleted or expired, allows
// usage-bootstrap-authentication and holds the same secret (compared in constant time) is
// system:bootstrap:<id> in system:bootstrappers and the token's extra groups. Anything else is
// not this authenticator's (the chain answers 401 when nobody accepts the token).
import crypto from 'node:crypto';
import { bootstrapTokenSecretPrefix, isExpired, parseToken, tokenFromSecret, tokenGroups } from '../../api/bootstrap-token.js';
import type { Secret } from '../../api/types.js';
import type { Lookup } from './serviceaccount.js';
import type { UserInfo } from './user.js';

export function bootstrapTokenUser(token: string, lookup: Lookup, log?: (line: string) => void, now = Date.now()): UserInfo | undefined {
  const parts = parseToken(token);
  if (!parts) return undefined;
  const secret = lookup('core/secrets', `kube-system/${bootstrapTokenSecretPrefix}${parts.id}`) as Secret | undefined;
  const why = (reason: string): undefined => void log?.(`apiserver: bootstrap token ${parts.id} refused: ${reason}`);
  if (!secret) return why('no such token');
  if (secret.metadata.deletionTimestamp) return why('its Secret is being deleted');
  const stored = tokenFromSecret(secret);
  if (!stored) return why('its Secret is not a well-formed bootstrap token');
  const a = Buffer.from(stored.secret);
  const b = Buffer.from(parts.secret);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) return why('wrong secret');
  if (isExpired(stored, now)) return why(`expired at ${stored.expiration}`);
  if (!stored.authentication) return why('usage-bootstrap-authentication is not "true"');
  return { username: `system:bootstrap:${parts.id}`, groups: tokenGroups(stored) };
}
