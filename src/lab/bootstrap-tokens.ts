// The lab's bootstrap tokens, as kubeadm's: "<id>.<secret>" of [a-z0-9], each a Secret
// kube-system/bootstrap-token-<id> with an expiration, both usages and the lab's node group;
// the CA pin joiners check (kubeadm's --discovery-token-ca-cert-hash), and the join command.
import crypto from 'node:crypto';
import { bootstrapTokenSecretPrefix, bootstrapTokenSecretType, clusterInfo, defaultNodeTokenGroup, isExpired, parseToken, tokenFromSecret, type BootstrapToken } from '../api/bootstrap-token.js';
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { ConfigMap, Secret } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import { humanDuration } from '../apiserver/printing/age.js';
import { UserError } from '../util/errors.js';

/** kubeadm's default --ttl. */
export const defaultTokenTtlMs = 24 * 3600 * 1000;

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomString(n: number): string {
  return [...crypto.randomBytes(n * 2)].filter((b) => b < 252).slice(0, n).map((b) => alphabet[b % 36]).join('');
}

export function generateToken(): string {
  return `${randomString(6)}.${randomString(16)}`;
}

/** A token given on the command line: refused with kubeadm's words when malformed. */
export function checkToken(token: string): string {
  if (!parseToken(token)) throw new UserError(`the bootstrap token "${token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`);
  return token;
}

/** A Go duration such as 24h, 1h30m, 10m or 0 (never expires), in ms. */
export function parseTtl(text: string): number {
  if (text === '0') return 0;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!text || !m) throw new UserError(`--ttl must be a duration such as 24h, 1h30m, 10m or 0 for a token that never expires (got "${text}")`);
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/**
 * A token's Secret; by default one hosts join with (both usages, the lab's node group). A token with no
 * usages authenticates nobody: kubeadm's "proxy" tokens only carry an expiration for what they own.
 */
export function tokenSecret(token: string, opts: { ttlMs?: number; description?: string; now?: number; usages?: ('authentication' | 'signing')[]; extraGroups?: string[] } = {}): Secret {
  const { id, secret } = parseToken(checkToken(token))!;
  const ttl = opts.ttlMs ?? defaultTokenTtlMs;
  const usages = opts.usages ?? ['authentication', 'signing'];
  const groups = opts.extraGroups ?? [defaultNodeTokenGroup];
  const data: Record<string, string> = {
    'token-id': id,
    'token-secret': secret,
    ...(ttl > 0 ? { expiration: new Date((opts.now ?? Date.now()) + ttl).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
    ...Object.fromEntries(usages.map((u) => [`usage-bootstrap-${u}`, 'true'])),
    ...(groups.length ? { 'auth-extra-groups': groups.join(',') } : {}),
    ...(opts.description ? { description: opts.description } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${bootstrapTokenSecretPrefix}${id}`, namespace: 'kube-system' },
    type: bootstrapTokenSecretType,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}

/** kubeadm's pin: "sha256:" + hex SHA-256 of the CA certificate's DER SubjectPublicKeyInfo. */
export function caCertHash(caPem: string | Buffer): string {
  const spki = new crypto.X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${crypto.createHash('sha256').update(spki).digest('hex')}`;
}

export function joinCommand(listen: { ip: string; port: number }, token: string, caPem: string | Buffer): string {
  return `lab join https://${listen.ip}:${listen.port} --token ${token} --discovery-token-ca-cert-hash ${caCertHash(caPem)}`;
}

/** `kubeadm token list`'s table: TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS (tabwriter: min width 10, padding 3). */
export function formatTokenList(secrets: Secret[], now = Date.now()): string {
  const tokens = secrets.map(tokenFromSecret).filter((t): t is BootstrapToken => !!t && !isExpired(t, now));
  const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
  for (const t of tokens) {
    const usages = [t.authentication && 'authentication', t.signing && 'signing'].filter(Boolean).join(',');
    rows.push([`${t.id}.${t.secret}`, t.expiration ? humanDuration(Date.parse(t.expiration) - now) : '<forever>', t.expiration ?? '<never>', usages || '<none>', t.description ?? '<none>', t.extraGroups.join(',')]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(10, ...rows.map((r) => r[i]!.length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('').trimEnd()).join('\n');
}

/** kube-public/cluster-info as kubeadm writes it: a kubeconfig with one cluster (server, CA) and nothing else. */
function clusterInfoConfigMap(lab: string, listen: { ip: string; port: number }, caPem: string | Buffer): ConfigMap {
  const kubeconfig = [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    `    server: https://${listen.ip}:${listen.port}`,
    // kubeadm leaves the cluster nameless; the lab's name here (signed with the rest) names it for joiners.
    `  name: ${JSON.stringify(lab)}`,
    'contexts: null',
    'current-context: ""',
    'kind: Config',
    'preferences: {}',
    'users: null',
    '',
  ].join('\n');
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: clusterInfo.name, namespace: clusterInfo.namespace }, data: { kubeconfig } };
}

/** What `lab up --listen` publishes for joiners: cluster-info and the first token. */
export async function publishJoinInfo(client: ApiClient, lab: string, listen: { ip: string; port: number }, caPem: string | Buffer, token: string, ttlMs: number): Promise<void> {
  // Made by a previous try whose answer was lost: fine.
  const created = (p: Promise<unknown>) =>
    p.catch((e: unknown) => {
      if (!(e instanceof ApiError && e.status.reason === 'AlreadyExists')) throw e;
    });
  await created(client.create(types.configmaps, clusterInfoConfigMap(lab, listen, caPem), clusterInfo.namespace));
  await created(client.create(types.secrets, tokenSecret(token, { ttlMs, description: 'The default bootstrap token generated by lab up --listen.' }), 'kube-system'));
}
