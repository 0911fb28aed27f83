import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { apiAccessVolume } from '../../../../src/apiserver/admission/serviceaccount.js';
import type { ConfigMap, Pod } from '../../../../src/api/types.js';
import { ProjectedVolumes, refreshDelayMs, type VolumeSources } from '../../../../src/agent/kubelet/volumes.js';
import { tempDir } from '../../../helpers/tmp.js';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'demo', uid: 'u1' },
  spec: {
    serviceAccountName: 'builder',
    volumes: [apiAccessVolume('kube-api-access-abcde')],
    containers: [{ name: 'c', image: 'lab/hello', volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }],
  },
};

function sources(caMap: ConfigMap | undefined, asked: unknown[] = []): VolumeSources {
  let n = 0;
  return {
    token: async (p, audience, expirationSeconds) => {
      asked.push({ pod: p.metadata.name, audience, expirationSeconds });
      return { token: `token-${++n}`, expirationTimestamp: new Date(Date.now() + expirationSeconds * 1000).toISOString() };
    },
    configMap: async (ns, name) => (ns === 'demo' && name === 'kube-root-ca.crt' ? caMap : undefined),
  };
}

test('tokens are renewed at 80% of their lifetime, and at least daily', (t) => {
  t.is(refreshDelayMs(0, 3607_000), 3607_000 * 0.8);
  t.is(refreshDelayMs(0, 7 * 24 * 3600_000), 24 * 3600_000);
});

test('the kube-api-access volume holds the bound token, ca.crt and namespace (0644), mounted read-only where the pod says', async (t) => {
  const dir = tempDir(t);
  const asked: unknown[] = [];
  const v = new ProjectedVolumes(pod, dir, sources({ metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } }, asked));
  t.teardown(() => v.stop());
  await v.setUp();
  const vol = path.join(dir, 'kube-api-access-abcde');
  t.deepEqual(Object.fromEntries(['token', 'ca.crt', 'namespace'].map((f) => [f, fs.readFileSync(path.join(vol, f), 'utf8')])), { token: 'token-1', 'ca.crt': 'PEM', namespace: 'demo' });
  t.is(fs.statSync(path.join(vol, 'token')).mode & 0o777, 0o644);
  t.deepEqual(fs.readdirSync(vol).sort(), ['ca.crt', 'namespace', 'token']);
  t.deepEqual(asked, [{ pod: 'web', audience: undefined, expirationSeconds: 3607 }]);
  t.deepEqual(v.mounts(pod.spec.containers[0]!), [{ hostPath: vol, containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);
});

test('a missing kube-root-ca.crt fails the mount with the kubelet message, and a later try succeeds', async (t) => {
  const dir = tempDir(t);
  let ca: ConfigMap | undefined;
  const src = sources(undefined);
  const v = new ProjectedVolumes(pod, dir, { ...src, configMap: async () => ca });
  t.teardown(() => v.stop());
  await t.throwsAsync(v.setUp(), { message: 'MountVolume.SetUp failed for volume "kube-api-access-abcde" : configmap "kube-root-ca.crt" not found' });
  ca = { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } };
  await v.setUp();
  t.is(fs.readFileSync(path.join(dir, 'kube-api-access-abcde', 'ca.crt'), 'utf8'), 'PEM');
});

test('a token is replaced by a fresh one once 80% of its lifetime has passed', async (t) => {
  const dir = tempDir(t);
  let n = 0;
  // A token living 1.5 s: renewed after 1.2 s.
  const v = new ProjectedVolumes(pod, dir, {
    token: async () => ({ token: `token-${++n}`, expirationTimestamp: new Date(Date.now() + 1500).toISOString() }),
    configMap: async () => ({ metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } }),
  });
  t.teardown(() => v.stop());
  await v.setUp();
  const file = path.join(dir, 'kube-api-access-abcde', 'token');
  t.is(fs.readFileSync(file, 'utf8'), 'token-1');
  await new Promise((r) => setTimeout(r, 800));
  t.is(fs.readFileSync(file, 'utf8'), 'token-1', 'not before 80%');
  for (let i = 0; i < 50 && fs.readFileSync(file, 'utf8') === 'token-1'; i++) await new Promise((r) => setTimeout(r, 100));
  t.is(fs.readFileSync(file, 'utf8'), 'token-2');
  v.stop();
  await new Promise((r) => setTimeout(r, 1500));
  t.is(fs.readFileSync(file, 'utf8'), 'token-2', 'a stopped pod renews nothing');
});
