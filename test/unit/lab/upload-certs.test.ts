import test from 'ava';
import { tokenFromSecret } from '../../../src/api/bootstrap-token.js';
import { types } from '../../../src/api/resources.js';
import type { Secret } from '../../../src/api/types.js';
import { certsSecretObject, certsTtlMs, decrypt, decryptCerts, encrypt, generateCertificateKey, sharedFiles, uploadCerts } from '../../../src/lab/upload-certs.js';
import { startApiServer } from '../../helpers/apiserver.js';

const files = (): Record<string, Buffer> => Object.fromEntries(Object.keys(sharedFiles('demo')).map((k) => [k, Buffer.from(`contents of ${k}`)]));

test('a certificate key is 32 random bytes in hex', (t) => {
  const k = generateCertificateKey();
  t.regex(k, /^[0-9a-f]{64}$/);
  t.not(k, generateCertificateKey());
});

test('AES-256-GCM: nonce | ciphertext | tag, a new nonce each time, decrypted with the key', (t) => {
  const key = generateCertificateKey();
  const a = encrypt(Buffer.from('secret'), key);
  t.is(a.length, 12 + 6 + 16);
  t.notDeepEqual(a, encrypt(Buffer.from('secret'), key));
  t.is(decrypt(a, key).toString(), 'secret');
});

test('a wrong key, a tampered file or a malformed key is refused with a clear error', (t) => {
  const key = generateCertificateKey();
  const sealed = encrypt(Buffer.from('secret'), key);
  t.throws(() => decrypt(sealed, generateCertificateKey()), { message: /certificate key does not decrypt Secret kube-system\/svclab-certs/ });
  const tampered = Buffer.from(sealed);
  tampered[13] = tampered[13]! ^ 1;
  t.throws(() => decrypt(tampered, key), { message: /does not decrypt/ });
  t.throws(() => decrypt(sealed, 'abc'), { message: /--certificate-key must be 64 hexadecimal digits/ });
});

test("the Secret holds every shared file, each encrypted; decrypting gives them back, and one missing is named", (t) => {
  const key = generateCertificateKey();
  const secret = certsSecretObject(files(), key);
  t.deepEqual(secret.metadata, { name: 'svclab-certs', namespace: 'kube-system' });
  t.deepEqual(Object.keys(secret.data!).sort(), ['ca.crt', 'ca.key', 'controller-manager.token', 'sa.key', 'sa.pub', 'tokens.csv']);
  t.false(Buffer.from(secret.data!['ca.key']!, 'base64').toString().includes('contents'));
  t.deepEqual(decryptCerts(secret, key, 'demo'), files());
  delete secret.data!['sa.key'];
  t.throws(() => decryptCerts(secret, key, 'demo'), { message: /has no sa\.key/ });
});

test('an upload makes the Secret owned by a token that authenticates nobody and expires in two hours; a second upload re-keys it under a new owner', async (t) => {
  const { client } = await startApiServer(t);
  const first = generateCertificateKey();
  const expires = await uploadCerts(client, files(), first);
  const secret = await client.get<Secret>(types.secrets, 'svclab-certs', 'kube-system');
  const [ref] = secret.metadata.ownerReferences ?? [];
  t.like(ref, { apiVersion: 'v1', kind: 'Secret' });
  const owner = await client.get<Secret>(types.secrets, ref!.name, 'kube-system');
  t.is(owner.metadata.uid, ref!.uid);
  const token = tokenFromSecret(owner)!;
  t.like(token, { authentication: false, signing: false, extraGroups: [], expiration: expires, description: 'Proxy for managing TTL for the svclab-certs secret' });
  t.true(Math.abs(Date.parse(expires) - Date.now() - certsTtlMs) < 60_000, `expires two hours from now: ${expires}`);
  t.deepEqual(decryptCerts(secret, first, 'demo'), files());

  const second = generateCertificateKey();
  await uploadCerts(client, files(), second);
  const again = await client.get<Secret>(types.secrets, 'svclab-certs', 'kube-system');
  t.not(again.metadata.ownerReferences?.[0]?.name, ref!.name);
  t.deepEqual(decryptCerts(again, second, 'demo'), files());
  t.throws(() => decryptCerts(again, first, 'demo'), { message: /does not decrypt/ });
  t.truthy(await client.get(types.roles, 'svclab:svclab-certs', 'kube-system'));
});
