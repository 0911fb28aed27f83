import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { caCertHash, checkToken, formatTokenList, generateToken, joinCommand, parseTtl, tokenSecret } from '../../../src/lab/bootstrap-tokens.js';
import { tempDir } from '../../helpers/tmp.js';

test('generated tokens have the bootstrap format and differ', (t) => {
  const a = generateToken();
  t.regex(a, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  t.not(a, generateToken());
  t.throws(() => checkToken('abc.def'), { message: 'the bootstrap token "abc.def" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"' });
});

test('--ttl takes Go durations; 0 never expires', (t) => {
  t.is(parseTtl('24h'), 86_400_000);
  t.is(parseTtl('1h30m'), 5_400_000);
  t.is(parseTtl('10m'), 600_000);
  t.is(parseTtl('0'), 0);
  t.throws(() => parseTtl('1d'), { message: /--ttl must be a duration such as 24h/ });
});

test("the CA pin is kubeadm's: sha256 of the DER SubjectPublicKeyInfo, as openssl computes it", async (t) => {
  const dir = tempDir(t);
  const ca = path.join(dir, 'ca.crt');
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'ca.key'), '-out', ca, '-subj', '/CN=ca', '-days', '1'], { env: { OPENSSL_CONF: '/dev/null' } });
  // kubeadm's documented command: openssl x509 -pubkey | openssl rsa/pkey -pubin -outform der | sha256sum
  const pub = await execa('openssl', ['x509', '-pubkey', '-noout', '-in', ca]);
  const der = await execa('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub.stdout, encoding: 'buffer' });
  const sum = await execa('sha256sum', { input: der.stdout });
  const pem = fs.readFileSync(ca);
  t.is(caCertHash(pem), `sha256:${sum.stdout.split(' ')[0]}`);
  t.is(joinCommand({ ip: '192.168.56.10', port: 6443 }, 'abcdef.0123456789abcdef', pem), `lab join https://192.168.56.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${caCertHash(pem)}`);
});

test("token list has kubeadm's columns; expired tokens are not listed", (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const out = formatTokenList([tokenSecret('abcdef.0123456789abcdef', { now, description: 'joins' }), tokenSecret('zzzzzz.0123456789abcdef', { now: now - 2 * 86_400_000 }), tokenSecret('forevr.0123456789abcdef', { ttlMs: 0 })], now);
  t.is(
    out,
    [
      'TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS',
      'abcdef.0123456789abcdef   24h         2026-01-02T00:00:00Z   authentication,signing   joins         system:bootstrappers:svclab:default-node-token',
      'forevr.0123456789abcdef   <forever>   <never>                authentication,signing   <none>        system:bootstrappers:svclab:default-node-token',
    ].join('\n'),
  );
});
