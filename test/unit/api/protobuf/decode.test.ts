import test from 'ava';
import protobuf from 'protobufjs';
import { decodeProtobufBody, magic } from '../../../../src/api/protobuf/decode.js';
import { root } from '../../../../src/api/schema/index.js';
import { kindMessages } from '../../../../src/api/schema/kinds.js';
import { encodeBody } from '../../../helpers/protobuf.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, creationTimestamp: '2026-01-02T03:04:05Z' },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'conf', configMap: { name: 'settings', optional: false } }],
        containers: [
          {
            name: 'nginx',
            image: 'nginx',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
            envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'APP_' }],
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
            resources: { limits: { cpu: '500m' } },
          },
        ],
      },
    },
  },
};

test('a Deployment round-trips: pointers kept even when zero, embedded structs inlined, IntOrString, Quantity, Time', (t) => {
  t.deepEqual(decodeProtobufBody(encodeBody(deployment)), deployment);
});

test('Secret data (bytes) comes out base64 like JSON; stringData stays for the strategy to fold', (t) => {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': '' }, stringData: { note: 'hi' } };
  t.deepEqual(decodeProtobufBody(encodeBody(secret)), { ...secret, data: { 'tls.crt': 'Q0VSVA==', 'tls.key': '' } });
});

test('values gogo-protobuf always sends (empty strings, zero ints, empty messages and Time) read as absent, as JSON omitempty', (t) => {
  // What kubectl sends for `create namespace demo`: every ObjectMeta string present, zero Time included.
  const ns = root.lookupType('core.Namespace');
  const raw = ns.encode(ns.fromObject({ metadata: { name: 'demo', generateName: '', namespace: '', uid: '', generation: 0, creationTimestamp: { seconds: 0, nanos: 0 } }, spec: {}, status: { phase: '' } })).finish();
  const unknown = root.lookupType('meta.Unknown');
  const body = Buffer.concat([magic, unknown.encode(unknown.fromObject({ typeMeta: { apiVersion: 'v1', kind: 'Namespace' }, raw })).finish()]);
  t.deepEqual(decodeProtobufBody(body), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' }, spec: {}, status: {} });
});

test('malformed bodies are 400 errors in Go wording, never a crash', (t) => {
  const good = encodeBody({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } });
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('{"kind":"ConfigMap"}'), /does not appear to be a protobuf message, expected prefix \[107 56 115 0\]/],
    [good.subarray(0, good.length - 3), /^unexpected EOF$/],
    [Buffer.concat([magic, Buffer.from([0x0f, 0x01])]), /^proto: illegal wireType 7$/],
    [encodeBodyOf('v1', 'Widget'), /^no kind "Widget" is registered for version "\/v1"/],
  ];
  for (const [body, message] of cases) {
    const err = t.throws(() => decodeProtobufBody(body));
    t.is((err as unknown as { status: { code: number } }).status.code, 400);
    t.regex(err!.message, message);
  }
  for (let n = 0; n < 500; n++) {
    const junk = Buffer.concat([magic, Buffer.from(Array.from({ length: 1 + (n % 40) }, (_, i) => (n * 31 + i * 7) % 256))]);
    try {
      decodeProtobufBody(junk);
    } catch (e) {
      t.is((e as { status?: { code: number } }).status?.code, 400, `junk ${junk.toString('hex')} gives a 400`);
    }
  }
});

test('every kind in the table names a message that exists', (t) => {
  for (const name of Object.values(kindMessages)) t.true(root.lookupType(name) instanceof protobuf.Type, name);
});

function encodeBodyOf(apiVersion: string, kind: string): Buffer {
  const unknown = root.lookupType('meta.Unknown');
  return Buffer.concat([magic, unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw: Buffer.alloc(0) })).finish()]);
}
