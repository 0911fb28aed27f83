// Numbers are checked as upstream on every write path: integers where Go has int32/int64,
// their ranges, and the ranges validation adds (issue 16, finding 4).
import test from 'ava';
import { startApiServer, type TestServer } from '../../helpers/apiserver.js';

interface Answer {
  code: number;
  body: { message?: string; reason?: string; details?: { causes?: { field?: string }[] }; spec?: { replicas?: number } };
}

async function call(s: TestServer, method: string, path: string, body: unknown, contentType = 'application/json'): Promise<Answer> {
  const r = await fetch(`${s.url}${path}`, { method, headers: { 'Content-Type': contentType }, body: JSON.stringify(body) });
  return { code: r.status, body: (await r.json()) as Answer['body'] };
}

const deployment = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const web = '/apis/apps/v1/namespaces/default/deployments/web';

async function withDeployment(t: Parameters<typeof startApiServer>[0]): Promise<TestServer> {
  const s = await startApiServer(t);
  t.is((await call(s, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment(1))).code, 201);
  return s;
}

const replicasOf = (s: TestServer) => (s.store.get('apps/deployments', 'default/web') as unknown as { spec: { replicas: number } }).spec.replicas;
const goError = (n: string, struct = 'DeploymentSpec') => `json: cannot unmarshal number ${n} into Go struct field ${struct}.spec.replicas of type int32`;

test('replicas of 1e12 or 1.5 are a 400 on create and update, in Go words', async (t) => {
  const s = await withDeployment(t);
  const created = await call(s, 'POST', '/apis/apps/v1/namespaces/default/deployments', { ...deployment(1e12), metadata: { name: 'big' } });
  t.deepEqual([created.code, created.body.message], [400, `Deployment in version "v1" cannot be handled as a Deployment: ${goError('1000000000000')}`]);
  const updated = await call(s, 'PUT', web, deployment(1.5));
  t.deepEqual([updated.code, updated.body.message], [400, `Deployment in version "v1" cannot be handled as a Deployment: ${goError('1.5')}`]);
  t.is((await call(s, 'PUT', web, deployment(2 ** 31))).code, 400);
  t.is((await call(s, 'PUT', web, deployment(2 ** 31 - 1))).code, 200, 'the largest int32 is a valid replica count');
  t.is(s.store.get('apps/deployments', 'default/big'), undefined);
});

test('merge, strategic and JSON patches of replicas 1e12 or 1.5 are upstream 422s on the field "patch", nothing changes', async (t) => {
  const s = await withDeployment(t);
  const merge = await call(s, 'PATCH', web, { spec: { replicas: 1e12 } }, 'application/merge-patch+json');
  t.is(merge.code, 422);
  t.is(merge.body.reason, 'Invalid');
  t.is(merge.body.details?.causes?.[0]?.field, 'patch');
  t.regex(merge.body.message!, /^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"apps\/v1\\",.*\\"replicas\\":1000000000000,.*\}": json: cannot unmarshal number 1000000000000 into Go struct field DeploymentSpec.spec.replicas of type int32$/);
  const half = await call(s, 'PATCH', web, { spec: { replicas: 1.5 } }, 'application/merge-patch+json');
  t.deepEqual([half.code, half.body.message?.endsWith(goError('1.5'))], [422, true]);
  const strategic = await call(s, 'PATCH', web, { spec: { replicas: 1e12 } }, 'application/strategic-merge-patch+json');
  t.deepEqual([strategic.code, strategic.body.message], [422, ` "" is invalid: patch: Invalid value: "map[spec:map[replicas:1e+12]]": ${goError('1000000000000')}`]);
  const json = await call(s, 'PATCH', web, [{ op: 'replace', path: '/spec/replicas', value: 1.5 }], 'application/json-patch+json');
  t.deepEqual([json.code, json.body.message?.endsWith(goError('1.5'))], [422, true]);
  const negative = await call(s, 'PATCH', web, { spec: { replicas: -1 } }, 'application/merge-patch+json');
  t.deepEqual([negative.code, negative.body.message], [422, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  t.is(replicasOf(s), 1);
});

test('/scale decodes an autoscaling/v1 Scale: 400 on PUT, 422 on PATCH, negative counts refused', async (t) => {
  const s = await withDeployment(t);
  const put = await call(s, 'PUT', `${web}/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 1e12 } });
  t.deepEqual([put.code, put.body.message], [400, `Scale in version "v1" cannot be handled as a Scale: ${goError('1000000000000', 'ScaleSpec')}`]);
  const patch = await call(s, 'PATCH', `${web}/scale`, { spec: { replicas: 1.5 } }, 'application/merge-patch+json');
  t.deepEqual([patch.code, patch.body.message?.endsWith(goError('1.5', 'ScaleSpec'))], [422, true]);
  const negative = await call(s, 'PATCH', `${web}/scale`, { spec: { replicas: -3 } }, 'application/merge-patch+json');
  t.deepEqual([negative.code, negative.body.message], [422, 'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0']);
  t.is(replicasOf(s), 1);
  const ok = await call(s, 'PATCH', `${web}/scale`, { spec: { replicas: 3 } }, 'application/merge-patch+json');
  t.deepEqual([ok.code, ok.body.spec?.replicas, replicasOf(s)], [200, 3, 3]);
});

const pod = (spec: Record<string, unknown>, container: Record<string, unknown> = {}) => ({ spec: { containers: [{ name: 'c', image: 'nginx', ...container }], ...spec } });
const service = (spec: Record<string, unknown>) => ({ spec: { ports: [{ port: 80 }], ...spec } });

const ranges: [string, string, unknown, number, string][] = [
  ['services', 'port 0', service({ ports: [{ port: 0, targetPort: 80 }] }), 422, 'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive'],
  ['services', 'port 65536', service({ ports: [{ port: 65536, targetPort: 80 }] }), 422, 'spec.ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive'],
  ['services', 'targetPort 1.5', service({ ports: [{ port: 80, targetPort: 1.5 }] }), 400, 'json: cannot unmarshal number 1.5 into Go value of type int32'],
  ['services', 'nodePort 70000', service({ type: 'NodePort', ports: [{ port: 80, nodePort: 70000 }] }), 422, 'spec.ports[0].nodePort: Invalid value: 70000: provided port is not in the valid range. The range of valid ports is 30000-32767'],
  [
    'services',
    'affinity timeout 86401',
    service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    422,
    'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400',
  ],
  ['services', 'affinity timeout 2^31', service({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 2 ** 31 } } }), 400, 'of type int32'],
  ['pods', 'grace period -1', pod({ terminationGracePeriodSeconds: -1 }), 422, 'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0'],
  ['pods', 'grace period past int64', pod({ terminationGracePeriodSeconds: 1e20 }), 400, 'into Go struct field PodSpec.spec.terminationGracePeriodSeconds of type int64'],
  ['pods', 'probe period -1', pod({}, { readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: -1 } }), 422, 'spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0'],
  ['pods', 'containerPort 70000', pod({}, { ports: [{ containerPort: 70000 }] }), 422, 'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'],
  ['pods', 'runAsUser -1', pod({ securityContext: { runAsUser: -1 } }), 422, 'spec.securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive'],
  ['pods', 'container runAsGroup -2', pod({}, { securityContext: { runAsGroup: -2 } }), 422, 'spec.containers[0].securityContext.runAsGroup: Invalid value: -2: must be between 0 and 2147483647, inclusive'],
  [
    'pods',
    'affinity weight 101',
    pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, preference: {} }] } } }),
    422,
    'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 101: must be in the range 1-100',
  ],
  ['pods', 'maxSkew 0', pod({ topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] }), 422, 'spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero'],
  ['leases', 'leaseDurationSeconds 0', { spec: { leaseDurationSeconds: 0 } }, 422, 'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
  ['leases', 'leaseTransitions -1', { spec: { leaseTransitions: -1 } }, 422, 'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0'],
];

test('numeric ranges of services, pods and leases are refused with upstream wording, and nothing is stored', async (t) => {
  const s = await startApiServer(t);
  let n = 0;
  for (const [plural, what, body, code, message] of ranges) {
    const base = plural === 'leases' ? '/apis/coordination.k8s.io/v1' : '/api/v1';
    const r = await call(s, 'POST', `${base}/namespaces/default/${plural}`, { ...(body as object), metadata: { name: `x${n++}` } });
    t.is(r.code, code, what);
    t.true(r.body.message?.includes(message), `${what}: ${r.body.message}`);
  }
  t.is(s.store.list('core/services', 'default').length + s.store.list('core/pods', 'default').length + s.store.list('coordination.k8s.io/leases', 'default').length, 0);
});

test('/scale honours fieldValidation: unknown and duplicate fields refused under Strict, warned about otherwise', async (t) => {
  const s = await withDeployment(t);
  const strict = await fetch(`${s.url}${web}/scale?fieldValidation=Strict`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"spec":{"replicas":2,"replicas":3,"replicaz":4}}' });
  t.is(strict.status, 400);
  t.is(((await strict.json()) as { message: string }).message, 'Scale in version "v1" cannot be handled as a Scale: strict decoding error: duplicate field "spec.replicas", unknown field "spec.replicaz"');
  t.is(replicasOf(s), 1);
  const warned = await fetch(`${s.url}${web}/scale`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: '{"spec":{"replicas":2,"replicaz":4}}' });
  t.is(warned.status, 200);
  t.is(warned.headers.get('warning'), '299 - "unknown field \\"spec.replicaz\\""');
  t.is(replicasOf(s), 2);
});
