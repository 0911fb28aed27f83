// The commands tutorials type, with the real /usr/bin/kubectl against a lab:
// `kubectl create namespace|deployment|service|configmap|secret` (protobuf
// bodies from kubectl's typed clients), pods reading ConfigMaps and Secrets,
// `kubectl describe clusterrole` of a bootstrap role (seed 004) and
// `kubectl explain`; a malformed protobuf body is refused and stores nothing.
// Its lab keeps its objects in etcd (`--store etcd`): CI's API suite on etcd, so
// etcdctl shows what kubectl typed under kube-apiserver's keys, and nothing of a refusal.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { ConfigMap, Deployment, EndpointSlice, Namespace, Pod, Secret, Service, ServiceAccount } from '../../../src/api/types.js';
import { poll } from '../../../src/util/poll.js';
import { apiRequest, lab, waitFor } from '../../helpers/lab.js';
import { encodeBody } from '../../helpers/protobuf.js';
import { e2e } from '../../helpers/root.js';
import { readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'create', ['--nodes', '1', '--store', 'etcd']);

/** The keys under prefix in the lab's etcd. */
async function etcdKeys(prefix: string): Promise<string[]> {
  const r = await lab(['etcdctl', '--name', s.name, '--', 'get', '--prefix', prefix, '--keys-only']);
  if (r.exitCode !== 0) throw new Error(String(r.all));
  return String(r.stdout).split('\n').filter(Boolean);
}

async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await lab(['kubectl', '--name', s.name, ...args]);
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out.trim();
}

const decode = (b64: string | undefined): string => Buffer.from(b64 ?? '', 'base64').toString('utf8');

it.serial('kubectl create namespace demo: the namespace is Active and gets its default ServiceAccount', async (t) => {
  t.is(await ok('create', 'namespace', 'demo'), 'namespace/demo created');
  const ns = await s.client.get<Namespace>(types.namespaces, 'demo');
  t.is(ns.status?.phase, 'Active');
  t.is(ns.metadata.labels?.['kubernetes.io/metadata.name'], 'demo');
  const sa = await waitFor('demo/default ServiceAccount', () => s.client.get<ServiceAccount>(types.serviceaccounts, 'default', 'demo').catch(() => undefined));
  t.is(sa.metadata.namespace, 'demo');
  t.regex(await ok('get', 'serviceaccounts', '-n', 'demo'), /^NAME\s+SECRETS\s+AGE\ndefault\s+0\s+/);
});

it.serial('kubectl create deployment web --image=nginx runs its pod; create service clusterip web --tcp=80:80 selects it', async (t) => {
  t.is(await ok('create', 'deployment', 'web', '--image=nginx'), 'deployment.apps/web created');
  const d = await s.client.get<Deployment>(types.deployments, 'web', 'default');
  t.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
  t.like(d.spec, { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
  t.like(d.spec.template.spec.containers[0], { name: 'nginx', image: 'nginx', terminationMessagePath: '/dev/termination-log' });
  const [pod] = await readyPods(s, 'app=web', 1, 60_000);
  t.is(pod!.status?.phase, 'Running');

  t.is(await ok('create', 'service', 'clusterip', 'web', '--tcp=80:80'), 'service/web created');
  const svc = await s.client.get<Service>(types.services, 'web', 'default');
  t.is(svc.spec.type, 'ClusterIP');
  t.deepEqual(svc.spec.selector, { app: 'web' });
  t.deepEqual(svc.spec.ports, [{ name: '80-80', port: 80, protocol: 'TCP', targetPort: 80 }]);
  t.regex(svc.spec.clusterIP ?? '', /^10\.\d+\.\d+\.\d+$/);
  const slice = await waitFor('the pod in the EndpointSlice of web', async () => {
    const slices = (await s.client.list<EndpointSlice>(types.endpointslices, 'default', { labelSelector: 'kubernetes.io/service-name=web' })).items;
    return slices.find((sl) => sl.endpoints?.some((e) => e.addresses.includes(pod!.status!.podIP!) && e.conditions?.ready));
  }, 20_000);
  t.deepEqual(slice.ports, [{ name: '80-80', port: 80, protocol: 'TCP' }]);
  t.deepEqual(await etcdKeys('/registry/services/specs/default/'), ['/registry/services/specs/default/kubernetes', '/registry/services/specs/default/web']);
  t.deepEqual(await etcdKeys('/registry/deployments/default/'), ['/registry/deployments/default/web']);
});

it.serial('kubectl create configmap and secret (generic, tls) store what was typed, and pods read them through envFrom and secretKeyRef', async (t) => {
  t.is(await ok('create', 'configmap', 'settings', '-n', 'demo', '--from-literal=MODE=prod', '--from-literal=LEVEL=debug'), 'configmap/settings created');
  t.is(await ok('create', 'secret', 'generic', 'creds', '-n', 'demo', '--from-literal=password=s3cret'), 'secret/creds created');
  const dir = fs.mkdtempSync(path.join(s.scratch, 'tls-'));
  const [crt, key] = [path.join(dir, 'tls.crt'), path.join(dir, 'tls.key')];
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=web.demo']);
  t.is(await ok('create', 'secret', 'tls', 'web-tls', '-n', 'demo', `--cert=${crt}`, `--key=${key}`), 'secret/web-tls created');

  const cm = await s.client.get<ConfigMap>(types.configmaps, 'settings', 'demo');
  t.deepEqual(cm.data, { MODE: 'prod', LEVEL: 'debug' });
  const creds = await s.client.get<Secret>(types.secrets, 'creds', 'demo');
  t.is(creds.type, 'Opaque');
  t.is(decode(creds.data?.password), 's3cret');
  const tls = await s.client.get<Secret>(types.secrets, 'web-tls', 'demo');
  t.is(tls.type, 'kubernetes.io/tls');
  t.is(decode(tls.data?.['tls.crt']), fs.readFileSync(crt, 'utf8'));
  t.is(decode(tls.data?.['tls.key']), fs.readFileSync(key, 'utf8'));
  t.regex(await ok('get', 'secrets', '-n', 'demo'), /creds\s+Opaque\s+1\s+.*\n.*web-tls\s+kubernetes\.io\/tls\s+2\s+/s);
  t.deepEqual(await etcdKeys('/registry/secrets/demo/'), ['/registry/secrets/demo/creds', '/registry/secrets/demo/web-tls']);
  t.deepEqual(await etcdKeys('/registry/configmaps/demo/'), ['/registry/configmaps/demo/kube-root-ca.crt', '/registry/configmaps/demo/settings']);

  const pod = (name: string, env: unknown[], envFrom: unknown[]) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'demo' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'echo "MODE=$MODE LEVEL=$CFG_LEVEL PW=$PW"'], env, envFrom }] },
    });
  const file = path.join(dir, 'pods.json');
  fs.writeFileSync(file, pod('reader', [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }, { name: 'MODE', value: 'override' }], [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }]));
  await ok('apply', '-f', file);
  const ended = await waitFor('reader ended', async () => {
    const p = await s.client.get<Pod>(types.pods, 'reader', 'demo');
    return ['Succeeded', 'Failed'].includes(p.status?.phase ?? '') ? p : undefined;
  }, 30_000);
  t.is(ended.status?.phase, 'Succeeded', JSON.stringify(ended.status));
  t.is(await ok('logs', 'reader', '-n', 'demo'), 'MODE=override LEVEL=debug PW=s3cret');

  fs.writeFileSync(file, pod('missing', [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }], []));
  await ok('apply', '-f', file);
  const waiting = await waitFor('missing waits with CreateContainerConfigError', async () => {
    const w = (await s.client.get<Pod>(types.pods, 'missing', 'demo')).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'CreateContainerConfigError' ? w : undefined;
  }, 30_000);
  t.is(waiting.message, 'configmap "nope" not found');
  t.regex(await ok('get', 'pod', 'missing', '-n', 'demo'), /missing\s+0\/1\s+CreateContainerConfigError\s+0\s+/);
  // It starts once the ConfigMap exists.
  await ok('create', 'configmap', 'nope', '-n', 'demo', '--from-literal=k=v');
  t.true(await poll(async () => (await s.client.get<Pod>(types.pods, 'missing', 'demo')).status?.phase === 'Succeeded', { timeoutMs: 60_000, retryErrors: true }), 'missing ran once the ConfigMap appeared');
});

it.serial('kubectl describe clusterrole system:controller:endpoint-controller shows the rules of a real cluster (seed 004)', async (t) => {
  const out = await ok('describe', 'clusterrole', 'system:controller:endpoint-controller');
  const lines = out.split('\n').map((l) => l.trim().split(/\s{2,}/));
  t.deepEqual(lines.slice(0, 3), [['Name:', 'system:controller:endpoint-controller'], ['Labels:', 'kubernetes.io/bootstrapping=rbac-defaults'], ['Annotations:', 'rbac.authorization.kubernetes.io/autoupdate: true']]);
  t.deepEqual(lines.slice(3), [
    ['PolicyRule:'],
    ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs'],
    ['---------', '-----------------', '--------------', '-----'],
    ['endpoints', '[]', '[]', '[create delete get list update watch]'],
    ['events', '[]', '[]', '[create patch update]'],
    ['events.events.k8s.io', '[]', '[]', '[create patch update]'],
    ['endpoints/restricted', '[]', '[]', '[create]'],
    ['pods', '[]', '[]', '[get list watch]'],
    ['services', '[]', '[]', '[get list watch]'],
  ]);
  const binding = await ok('describe', 'clusterrolebinding', 'system:controller:service-controller');
  t.regex(binding, /Role:\n\s+Kind:\s+ClusterRole\n\s+Name:\s+system:controller:service-controller\nSubjects:\n\s+Kind\s+Name\s+Namespace\n.*\n\s+ServiceAccount\s+service-controller\s+kube-system/);
  t.regex(await ok('get', 'clusterroles'), /\ncluster-admin\s+\d{4}-\d\d-\d\dT/);
});

it.serial('kubectl explain service.spec.type describes the field and lists its values', async (t) => {
  const out = await ok('explain', 'service.spec.type');
  t.regex(out, /^KIND:\s+Service\nVERSION:\s+v1\n\nFIELD: type <string>\nENUM:\n\s+ClusterIP\n\s+ExternalName\n\s+LoadBalancer\n\s+NodePort\n\nDESCRIPTION:\n/);
  t.regex(out.replace(/\s+/g, ' '), /ClusterIP \(default\) gives a virtual IP reachable inside the cluster\. NodePort adds a port on every node/);
  t.regex(await ok('explain', 'deployment.spec'), /replicas\s+<integer>\n\s+How many pods to run; default 1\./);
});

it.serial('a malformed protobuf body is a 400 Status and stores nothing', async (t) => {
  const body = encodeBody({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'broken' }, spec: { selector: { matchLabels: { app: 'b' } } } });
  const r = await apiRequest(s.name, '/apis/apps/v1/namespaces/default/deployments', {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json' },
    body: new Uint8Array(body.subarray(0, body.length - 7)),
  });
  t.is(r.status, 400);
  t.like(JSON.parse(r.text), { kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'unexpected EOF' });
  t.is((await kubectl('get', 'deployment', 'broken')).code, 1);
  t.deepEqual((await s.client.list<Deployment>(types.deployments, 'default')).items.map((d) => d.metadata.name), ['web']);
  t.deepEqual(await etcdKeys('/registry/deployments/default/'), ['/registry/deployments/default/web']);
});
