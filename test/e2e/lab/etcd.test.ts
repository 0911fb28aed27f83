// `lab up --store etcd`: the API server keeps the lab's objects in a real etcd
// the lab supervises. A Service works end to end, etcdctl shows it under
// kube-apiserver's keys, killed processes come back and resync, and `lab down`
// leaves the host as it was.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { Namespace, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { paths } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, repo, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('etcd');
let client: ApiClient;
let before: string[];

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: hello, image: lab/hello}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: client, image: lab/toolbox}]`;

const etcdctl = async (...args: string[]): Promise<string> => {
  const r = await lab(['etcdctl', '--name', name, '--', ...args]);
  if (r.exitCode !== 0) throw new Error(String(r.all));
  return String(r.stdout);
};

/** Which pod answered a request to the ClusterIP from the client pod. */
const curlClusterIP = async (ip: string): Promise<string> => {
  const r = await lab(['exec', '--name', name, 'client', '--', 'curl', '-s', '-m', '3', `http://${ip}/json`]);
  if (r.exitCode !== 0) throw new Error(String(r.all));
  return (JSON.parse(String(r.stdout)) as { pod: string }).pod;
};

const restartOf = async (component: string): Promise<void> => {
  const pid = componentPid(name, component)!;
  process.kill(pid, 'SIGKILL');
  await waitFor(`a new ${component}`, () => {
    const p = componentPid(name, component);
    return p !== undefined && p !== pid;
  });
};

it.before(async (t) => {
  before = await hostSnapshot(name);
  const up = await lab(['up', '--name', name, '--nodes', '2', '--store', 'etcd']);
  t.is(up.exitCode, 0, String(up.all));
  client = clientFor(name);
  const file = path.join(repo, 'dist', `etcd-lab-${name}.yaml`);
  fs.writeFileSync(file, manifests);
  const applied = await lab(['apply', '--name', name, '-f', file]);
  fs.rmSync(file);
  t.is(applied.exitCode, 0, String(applied.all));
  await waitFor('two web endpoints', async () => String((await lab(['kubectl', '--name', name, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].addresses[*].ip}'])).stdout).split(' ').filter(Boolean).length === 2, 90_000, 250);
  await waitFor('the client pod Running', async () => (await lab(['kubectl', '--name', name, 'get', 'pod', 'client', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running', 60_000, 250);
});

it.after.always(async (t) => {
  client?.close();
  const down = await lab(['down', '--name', name]);
  t.is(down.exitCode, 0, String(down.all));
  t.false(fs.existsSync(paths.etcd(name)));
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial('etcd runs as a lab component on unix sockets in a 0700 directory, with no TCP port', async (t) => {
  const pid = componentPid(name, 'etcd');
  t.truthy(pid);
  t.is(fs.statSync(paths.etcd(name)).mode & 0o777, 0o700);
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  t.is(cmdline[0], '/usr/bin/etcd');
  t.true(cmdline.includes('unix://client:2379'));
  const tcp = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').slice(1));
  const inodes = new Set(fs.readdirSync(`/proc/${pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`)).filter((l) => l.startsWith('socket:[')).map((l) => l.slice(8, -1)));
  t.false(tcp.some((line) => line.trim().split(/\s+/)[3] === '0A' && inodes.has(line.trim().split(/\s+/)[9]!)), 'etcd listens on no TCP port');
});

it.serial('the Service answers on its ClusterIP from a pod, and etcdctl shows it under /registry/services', async (t) => {
  const svc = await client.get<Service>(types.services, 'web', 'default');
  const answered = await curlClusterIP(svc.spec!.clusterIP!);
  t.regex(answered, /^web-[a-z0-9]+-[a-z0-9]{5}$/);
  const keys = (await etcdctl('get', '--prefix', '/registry/services', '--keys-only')).split('\n').filter(Boolean);
  for (const k of ['/registry/services/specs/default/web', '/registry/services/specs/default/kubernetes', '/registry/services/endpoints/default/web']) t.true(keys.includes(k), `${k} in ${keys.join(' ')}`);
  const deployments = await etcdctl('get', '--prefix', '/registry/deployments/default/', '--keys-only');
  t.regex(deployments, /^\/registry\/deployments\/default\/web$/m);
  const got = JSON.parse(await etcdctl('get', '/registry/services/specs/default/web', '-w', 'json')) as { kvs: { mod_revision: number; value: string }[] };
  t.is(got.kvs[0]!.mod_revision, Number(svc.metadata.resourceVersion));
  t.is((JSON.parse(Buffer.from(got.kvs[0]!.value, 'base64').toString()) as Service).spec!.clusterIP, svc.spec!.clusterIP);
});

it.serial('a killed API server restarts, resyncs from etcd with the same resourceVersions, and new Services work', async (t) => {
  const kept = await client.get<Service>(types.services, 'web', 'default');
  await restartOf('apiserver');
  const after = await waitFor('the API to answer', () => client.get<Service>(types.services, 'web', 'default'), 30_000);
  t.deepEqual(after, kept);
  // The agents and controllers resynced: a Service made after the restart gets endpoints and answers.
  await client.create<Service>(types.services, { metadata: { name: 'web2' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } }, 'default');
  const web2 = await client.get<Service>(types.services, 'web2', 'default');
  const answered = await waitFor('web2 to answer', () => curlClusterIP(web2.spec!.clusterIP!), 30_000, 250);
  t.regex(answered, /^web-/);
});

it.serial('a killed etcd restarts on its data and the API server goes on serving and writing', async (t) => {
  await restartOf('etcd');
  const created = await waitFor('a write after the etcd restart', () => client.create<Namespace>(types.namespaces, { metadata: { name: 'after-etcd' } }), 30_000, 250);
  t.is((await client.get<Namespace>(types.namespaces, 'after-etcd')).metadata.uid, created.metadata.uid);
  t.regex(await etcdctl('get', '/registry/namespaces/after-etcd', '--keys-only'), /after-etcd/);
  t.truthy(await client.get<Service>(types.services, 'web', 'default'));
});
