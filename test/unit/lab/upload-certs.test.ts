import test from 'ava';
import { certsSecretObject, decrypt, decryptCerts, encrypt, generateCertificateKey, sharedFiles } from '../../../src/lab/upload-certs.js';

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
