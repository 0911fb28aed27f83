import test from 'ava';
import crypto from 'node:crypto';
import { serviceAccountVerifier, TokenIssuer, type Lookup } from '../../../../src/apiserver/auth/serviceaccount.js';
import type { KubeObject } from '../../../../src/api/types.js';

const issuer = 'https://kubernetes.default.svc.cluster.local';
const pem = (k: crypto.KeyObject, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' }) as string;
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

const objects = new Map<string, KubeObject>([
  ['core/serviceaccounts demo/builder', { metadata: { name: 'builder', namespace: 'demo', uid: 'sa-1' } }],
  ['core/pods demo/web', { metadata: { name: 'web', namespace: 'demo', uid: 'pod-1' } }],
]);
const lookup: Lookup = (type, key) => objects.get(`${type} ${key}`);
const sa = { name: 'builder', uid: 'sa-1' };

async function setup(verifyWith = publicKey) {
  const tokens = await TokenIssuer.fromPem(pem(privateKey, 'pkcs8'), issuer);
  const verify = await serviceAccountVerifier({ publicKeyPem: pem(verifyWith, 'spki'), issuer, audiences: [issuer], lookup });
  return { tokens, verify };
}

test('a bound token carries upstream claims and authenticates as the ServiceAccount with its groups', async (t) => {
  const { tokens, verify } = await setup();
  const { token, expiresAt } = await tokens.issue({ namespace: 'demo', serviceAccount: sa, pod: { name: 'web', uid: 'pod-1' }, expirationSeconds: 3600 });
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  t.like(claims, { iss: issuer, sub: 'system:serviceaccount:demo:builder', aud: [issuer], exp: expiresAt, 'kubernetes.io': { namespace: 'demo', serviceaccount: sa, pod: { name: 'web', uid: 'pod-1' } } });
  t.is(claims.nbf, claims.iat);
  t.is(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg, 'RS256');
  const user = await verify(token);
  t.like(user, { username: 'system:serviceaccount:demo:builder', uid: 'sa-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:demo'] });
  t.deepEqual(user.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
});

test('an expired token is refused', async (t) => {
  const { tokens, verify } = await setup();
  const { token } = await tokens.issue({ namespace: 'demo', serviceAccount: sa, expirationSeconds: 600 }, Math.floor(Date.now() / 1000) - 3600);
  await t.throwsAsync(verify(token), { message: /"exp" claim timestamp check failed/ });
});

test('a token for another audience is refused', async (t) => {
  const { tokens, verify } = await setup();
  const { token } = await tokens.issue({ namespace: 'demo', serviceAccount: sa, audiences: ['vault'], expirationSeconds: 600 });
  await t.throwsAsync(verify(token), { message: /unexpected "aud" claim value/ });
});

test('a token signed by another key is refused', async (t) => {
  const { tokens, verify } = await setup(other.publicKey);
  const { token } = await tokens.issue({ namespace: 'demo', serviceAccount: sa, expirationSeconds: 600 });
  await t.throwsAsync(verify(token), { message: /signature verification failed/ });
});

test('a token outlives neither its ServiceAccount nor its pod: deleted or recreated with another uid, it is refused', async (t) => {
  const { tokens, verify } = await setup();
  const ghost = await tokens.issue({ namespace: 'demo', serviceAccount: { name: 'gone', uid: 'sa-9' }, expirationSeconds: 600 });
  await t.throwsAsync(verify(ghost.token), { message: /serviceaccounts "gone" not found/ });
  const recreated = await tokens.issue({ namespace: 'demo', serviceAccount: { name: 'builder', uid: 'sa-old' }, expirationSeconds: 600 });
  await t.throwsAsync(verify(recreated.token), { message: /service account UID \(sa-old\) does not match claim \(sa-1\)/ });
  const podGone = await tokens.issue({ namespace: 'demo', serviceAccount: sa, pod: { name: 'old', uid: 'pod-0' }, expirationSeconds: 600 });
  await t.throwsAsync(verify(podGone.token), { message: /pods "old" not found/ });
  const podRecreated = await tokens.issue({ namespace: 'demo', serviceAccount: sa, pod: { name: 'web', uid: 'pod-0' }, expirationSeconds: 600 });
  await t.throwsAsync(verify(podRecreated.token), { message: /pod UID \(pod-1\) does not match claim \(pod-0\)/ });
});
