// The API server's authenticator chain, as upstream's union of request authenticators:
// client certificate, then bearer token (the component token file, bootstrap tokens, then ServiceAccount JWTs).
// The first that recognises the credentials wins; credentials nobody accepts are a 401;
// a request with none is system:anonymous.
import type http from 'node:http';
import { ApiError, unauthorized } from '../../api/errors.js';
import { bootstrapTokenUser } from './bootstrap-token.js';
import { looksLikeServiceAccountToken, type Lookup, type TokenVerifier } from './serviceaccount.js';
import { anonymous, type Authenticator, type UserInfo } from './user.js';
import { x509Authenticator } from './x509.js';

export interface AuthenticationConfig {
  /** Static tokens (--token-auth-file). */
  tokens?: Map<string, UserInfo>;
  serviceAccounts?: { issuer: string; verify: TokenVerifier };
  /** Reads stored objects: bootstrap tokens are kube-system Secrets. */
  lookup?: Lookup;
  /** Why a credential was refused (the 401 never says). */
  log?: (line: string) => void;
}

function bearerToken(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

function tokenAuthenticator(cfg: AuthenticationConfig): Authenticator {
  return async (req) => {
    const token = bearerToken(req);
    if (token === undefined) return undefined;
    const known = cfg.tokens?.get(token);
    if (known) return known;
    const bootstrap = cfg.lookup && bootstrapTokenUser(token, cfg.lookup, cfg.log);
    if (bootstrap) return bootstrap;
    const sa = cfg.serviceAccounts;
    if (sa && looksLikeServiceAccountToken(token, sa.issuer)) {
      try {
        return await sa.verify(token);
      } catch (e) {
        cfg.log?.(`apiserver: service account token refused: ${(e as Error).message}`);
        throw unauthorized();
      }
    }
    cfg.log?.('apiserver: unknown bearer token refused');
    throw unauthorized(); // upstream's "invalid bearer token"
  };
}

/** Adds system:authenticated to every authenticated user, as upstream's AuthenticatedGroupAdder. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes('system:authenticated') || user.groups.includes('system:unauthenticated')) return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}

export function authenticator(cfg: AuthenticationConfig): (req: http.IncomingMessage) => Promise<UserInfo> {
  const chain: Authenticator[] = [x509Authenticator, tokenAuthenticator(cfg)];
  return async (req) => {
    let failed: ApiError | undefined;
    for (const a of chain) {
      try {
        const user = await a(req);
        if (user) return withAuthenticatedGroup(user);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        failed = e; // the next one may still accept other credentials of the request
      }
    }
    if (failed) throw failed;
    return anonymous;
  };
}
