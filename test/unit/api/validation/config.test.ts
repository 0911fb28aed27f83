import test from 'ava';
import type { ConfigMap, Secret } from '../../../../src/api/types.js';
import { base64ErrorOffset, configMapKey, decodeSecret, validateConfigMap, validateSecret } from '../../../../src/api/validation/config.js';

const keyMsg =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const secret = (type: string | undefined, data: Record<string, string>): Secret => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type, data });
const messages = (errs: { field: string; message: string }[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

test('config keys: upstream wording for bad characters, dots and length', (t) => {
  t.deepEqual(configMapKey('good.key_1-x'), []);
  t.deepEqual(configMapKey('a b'), [keyMsg]);
  t.deepEqual(configMapKey('..'), ["must not be '..'"]);
  t.deepEqual(configMapKey('..x'), ["must not start with '..'"]);
  t.deepEqual(configMapKey('k'.repeat(254)), ['must be no more than 253 characters']);
});

test('ConfigMap: bad keys, a key in both data and binaryData, immutable data', (t) => {
  const cm: ConfigMap = { metadata: { name: 'c', namespace: 'default' }, data: { 'a b': '1', both: 'x' }, binaryData: { both: 'eA==' } };
  t.deepEqual(messages(validateConfigMap(cm)), [
    `data[a b]: Invalid value: "a b": ${keyMsg}`,
    'data[both]: Invalid value: "both": duplicate of key present in binaryData',
    'binaryData[both]: Invalid value: "both": duplicate of key present in data',
  ]);
  const old: ConfigMap = { metadata: { name: 'c', namespace: 'default' }, data: { a: '1' }, immutable: true };
  t.deepEqual(messages(validateConfigMap({ ...old, data: { a: '2' } }, old)), ['data: Forbidden: field is immutable when `immutable` is set']);
  t.deepEqual(messages(validateConfigMap({ ...old, immutable: false }, old)), ['immutable: Forbidden: field is immutable when `immutable` is set']);
  t.deepEqual(validateConfigMap({ ...old }, old), []);
});

test('Secret: kubernetes.io/tls needs tls.crt and tls.key; Opaque needs nothing; type is immutable', (t) => {
  t.deepEqual(messages(validateSecret(secret('kubernetes.io/tls', { 'tls.crt': 'eA==' }))), ['data[tls.key]: Required value']);
  t.deepEqual(validateSecret(secret('kubernetes.io/tls', { 'tls.crt': 'eA==', 'tls.key': 'eA==' })), []);
  t.deepEqual(validateSecret(secret('Opaque', {})), []);
  t.deepEqual(messages(validateSecret(secret('kubernetes.io/basic-auth', {}))), ['data[username]: Required value', 'data[password]: Required value']);
  t.deepEqual(messages(validateSecret(secret('Opaque', { 'bad/key': 'eA==' }))), [`data[bad/key]: Invalid value: "bad/key": ${keyMsg}`]);
  t.deepEqual(messages(validateSecret(secret('kubernetes.io/tls', { 'tls.crt': '', 'tls.key': '' }), secret('Opaque', {}))), [
    'type: Invalid value: "kubernetes.io/tls": field is immutable',
  ]);
});

test('Secret decoding: base64 checked like Go, stringData folded into data and dropped', (t) => {
  t.is(base64ErrorOffset('aGVsbG8='), -1);
  t.is(base64ErrorOffset('aGVsbG8'), 4);
  t.is(base64ErrorOffset('aGV!bG8='), 3);
  t.is(base64ErrorOffset('aG=sbG8='), 2);
  const s: Secret = { metadata: { name: 's' }, data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'plain', c: 'über' } };
  decodeSecret(s);
  t.deepEqual(s.data, { a: 'eA==', b: Buffer.from('plain').toString('base64'), c: Buffer.from('über').toString('base64') });
  t.false('stringData' in s);
  const err = t.throws(() => decodeSecret({ metadata: { name: 's' }, data: { a: 'not base64!' } }));
  t.is(err?.message, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
});
