import test from 'ava';
import type { ConfigMap, Pod, Secret } from '../../../../src/api/types.js';
import { containerEnv, ContainerConfigError, type ConfigSource } from '../../../../src/agent/kubelet/env.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const configMaps: Record<string, ConfigMap> = { settings: { metadata: { name: 'settings', namespace: 'web' }, data: { MODE: 'prod', LEVEL: 'debug', 'bad key': 'x' } } };
const secrets: Record<string, Secret> = { creds: { metadata: { name: 'creds', namespace: 'web' }, type: 'Opaque', data: { password: b64('s3cret') } } };
const source: ConfigSource = {
  configMap: async (ns, name) => (ns === 'web' ? configMaps[name] : undefined),
  secret: async (ns, name) => (ns === 'web' ? secrets[name] : undefined),
};

function pod(container: Pod['spec']['containers'][0]): Pod {
  return { metadata: { name: 'p', namespace: 'web' }, spec: { containers: [container] } };
}

test('envFrom and valueFrom: ConfigMap values, decoded Secret values, prefix, env wins over envFrom', async (t) => {
  const c = {
    name: 'c',
    envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'APP_' }, { secretRef: { name: 'creds' } }],
    env: [
      { name: 'APP_MODE', value: 'override' },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
      { name: 'LVL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'LEVEL' } } },
      { name: 'BOTH', value: '$(APP_LEVEL)-$(PW)' },
    ],
  };
  const { env, warnings } = await containerEnv(pod(c), c, [], { PATH: '/bin' }, source);
  t.like(env, { PATH: '/bin', APP_MODE: 'override', APP_LEVEL: 'debug', password: 's3cret', PW: 's3cret', LVL: 'debug', BOTH: 'debug-s3cret' });
  t.false('APP_bad key' in env);
  t.deepEqual(warnings, [
    { reason: 'InvalidEnvironmentVariableNames', message: 'Keys [APP_bad key] from the EnvFrom configMap web/settings were skipped since they are considered invalid environment variable names.' },
  ]);
});

test('a missing object or key is a CreateContainerConfigError with kubelet wording, unless optional', async (t) => {
  const run = (c: Pod['spec']['containers'][0]) => containerEnv(pod(c), c, [], {}, source);
  let err = await t.throwsAsync(run({ name: 'c', envFrom: [{ configMapRef: { name: 'nope' } }] }), { instanceOf: ContainerConfigError });
  t.is(err?.message, 'configmap "nope" not found');
  err = await t.throwsAsync(run({ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }));
  t.is(err?.message, 'secret "gone" not found');
  err = await t.throwsAsync(run({ name: 'c', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'missing' } } }] }));
  t.is(err?.message, "couldn't find key missing in ConfigMap web/settings");
  err = await t.throwsAsync(run({ name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } }] }));
  t.is(err?.message, "couldn't find key user in Secret web/creds");
  const { env } = await run({
    name: 'c',
    envFrom: [{ secretRef: { name: 'nope', optional: true } }],
    env: [
      { name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'missing', optional: true } } },
      { name: 'Y', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
    ],
  });
  t.false('X' in env);
  t.false('Y' in env);
});
