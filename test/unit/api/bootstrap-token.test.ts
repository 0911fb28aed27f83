import test from 'ava';
import crypto from 'node:crypto';
import { detachedSignature, isExpired, parseToken, tokenFromSecret, tokenGroups, verifyDetached } from '../../../src/api/bootstrap-token.js';
import { tokenSecret } from '../../../src/lab/bootstrap-tokens.js';

test('tokens are [a-z0-9]{6}.[a-z0-9]{16}; anything else is not a bootstrap token', (t) => {
  t.deepEqual(parseToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
  for (const bad of ['ABCDEF.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef0123456789abcdef', 'abcde.0123456789abcdefg', '']) t.is(parseToken(bad), undefined, bad);
});

test("a token's Secret reads back with its usages, extra groups and expiration; expiry is checked", (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const s = tokenSecret('abcdef.0123456789abcdef', { ttlMs: 3600_000, description: 'for node hosts', now });
  t.is(s.metadata.name, 'bootstrap-token-abcdef');
  t.is(s.type, 'bootstrap.kubernetes.io/token');
  const token = tokenFromSecret(s)!;
  t.deepEqual(token, { id: 'abcdef', secret: '0123456789abcdef', expiration: '2026-01-01T01:00:00Z', authentication: true, signing: true, extraGroups: ['system:bootstrappers:svclab:default-node-token'], description: 'for node hosts' });
  t.deepEqual(tokenGroups(token), ['system:bootstrappers', 'system:bootstrappers:svclab:default-node-token']);
  t.false(isExpired(token, now + 3599_000));
  t.true(isExpired(token, now + 3600_000));
  t.true(isExpired({ expiration: 'tomorrow' }, now), 'an unparsable expiration counts as expired');
  t.false(isExpired(tokenFromSecret(tokenSecret('abcdef.0123456789abcdef', { ttlMs: 0 }))!), 'ttl 0: never');
  t.is(tokenFromSecret({ ...s, metadata: { name: 'bootstrap-token-zzzzzz' } }), undefined, 'the name must match token-id');
});

test("the cluster-info JWS is upstream's: detached compact HS256, key = token secret, header {alg, kid}", async (t) => {
  const content = 'apiVersion: v1\nkind: Config\n';
  const token = { id: 'abcdef', secret: '0123456789abcdef' };
  const jws = await detachedSignature(content, token);
  const [header, payload, sig] = jws.split('.');
  t.is(payload, '');
  t.is(Buffer.from(header!, 'base64url').toString(), '{"alg":"HS256","kid":"abcdef"}');
  const expected = crypto.createHmac('sha256', token.secret).update(`${header}.${Buffer.from(content).toString('base64url')}`).digest('base64url');
  t.is(sig, expected);
  t.true(await verifyDetached(content, jws, token));
  t.false(await verifyDetached(content + ' ', jws, token), 'other content');
  t.false(await verifyDetached(content, jws, { id: 'abcdef', secret: 'ffffffffffffffff' }), 'other token');
  t.false(await verifyDetached(content, 'garbage', token));
});
