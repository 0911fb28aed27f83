// Control planes that join a lab on etcd, as kubeadm's (issue #18): machine A runs `lab up --store etcd
// --listen`, B and C `lab join --control-plane --certificate-key K` with the printed command; each then
// runs an etcd member, an API server replica on its own address and a leader-elected controller-manager,
// besides its node. Simulated machines as in join.test.ts (test/helpers/machines.ts).
//
//   A: etcd control-plane, apiserver, node1     B: etcd machine-b, apiserver, node2     C: likewise, node3
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { isReady } from '../../../src/api/conditions.js';
import type { ConfigMap, KubeList, Node, Pod, Secret, Service } from '../../../src/api/types.js';
import { systemTool } from '../../../src/net/tools.js';
import { waitFor } from '../../helpers/lab.js';
import { createMachines, machineSnapshot, type Machine, type Machines } from '../../helpers/machines.js';
import { hostSnapshot } from '../../helpers/host.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const id = process.pid % 10000;
const tag = `c${id}`;
const labA = `ca${id}`;
const labB = `cb${id}`;
const labC = `cc${id}`;
let machines: Machines;
let A: Machine;
let B: Machine;
let C: Machine;
let beforeHost: string[];
let beforeC: string[];
let joinArgs: string[];
let certificateKey: string;

async function kubectl(args: string[], server?: string): Promise<string> {
  const r = await A.lab(['kubectl', '--name', labA, ...(server ? ['--server', server] : []), ...args]);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}${server ? ` at ${server}` : ''}: ${String(r.all)}`);
  return String(r.stdout);
}

interface Member {
  name: string;
  clientURLs?: string[];
  peerURLs: string[];
}

async function members(m: Machine, lab: string): Promise<Member[]> {
  const r = await m.lab(['etcdctl', '--name', lab, '--', 'member', 'list', '-w', 'json']);
  if (r.exitCode !== 0) throw new Error(String(r.all));
  return (JSON.parse(String(r.stdout)) as { members: Member[] }).members;
}

const componentPid = (m: Machine, lab: string, component: string): number | undefined =>
  (JSON.parse(fs.readFileSync(path.join(m.stateRoot, lab, 'components.json'), 'utf8')) as { name: string; pid?: number }[]).find((c) => c.name === component)?.pid;

it.before(async (t) => {
  beforeHost = await hostSnapshot(labA);
  machines = await createMachines(tag, 3);
  [A, B, C] = machines.machines as [Machine, Machine, Machine];
  beforeC = await machineSnapshot(C, labC);
  const up = await A.lab(['up', '--name', labA, '--nodes', '1', '--store', 'etcd', '--listen', `${A.ip}:6443`]);
  t.is(up.exitCode, 0, String(up.all));
  const out = String(up.stdout);
  const token = /--token\s+([a-z0-9]{6}\.[a-z0-9]{16})/.exec(out)?.[1];
  const hash = /--discovery-token-ca-cert-hash\s+(sha256:[0-9a-f]{64})/.exec(out)?.[1];
  certificateKey = /--control-plane --certificate-key ([0-9a-f]{64})/.exec(out)?.[1] ?? '';
  t.truthy(token && hash && certificateKey, `lab up --listen --store etcd prints both join commands: ${out}`);
  t.false(fs.readFileSync(path.join(A.stateRoot, labA, 'lab.json'), 'utf8').includes(certificateKey), 'the key is not kept');
  joinArgs = [`https://${A.ip}:6443`, '--token', token!, '--discovery-token-ca-cert-hash', hash!, '--nodes', '1'];
});

it.after.always(async (t) => {
  if (C) fs.rmSync(path.join(C.stateRoot, labC, 'hold'), { recursive: true, force: true });
  await C?.lab(['down', '--name', labC]);
  await B?.lab(['down', '--name', labB]);
  const down = await A?.lab(['down', '--name', labA]);
  t.is(down?.exitCode, 0, String(down?.all));
  await machines?.destroy();
  t.deepEqual(await hostSnapshot(labA), beforeHost, 'the machines and their labs leave the host exactly as found');
});

it.serial('a wrong certificate key is refused with a clear error, and nothing is made: no Host, no etcd member, the machine as found', async (t) => {
  const wrong = 'ab'.repeat(32);
  const r = await C.lab(['join', ...joinArgs, '--name', labC, '--host-name', 'machine-c', '--control-plane', '--certificate-key', wrong]);
  t.not(r.exitCode, 0);
  t.regex(String(r.stderr), /the certificate key does not decrypt Secret kube-system\/svclab-certs/);
  t.deepEqual(await machineSnapshot(C, labC), beforeC);
  t.regex(String((await A.lab(['kubectl', '--name', labA, 'get', 'host', 'machine-c'])).stderr), /NotFound/);
  t.is((await members(A, labA)).length, 1);
  // The Secret is readable by the bootstrappers only through that one name: other Secrets stay closed to them.
  const canI = async (verb: string, what: string): Promise<string> =>
    String((await A.lab(['kubectl', '--name', labA, 'auth', 'can-i', verb, what, '-n', 'kube-system', '--as', 'system:bootstrap:x', '--as-group', 'system:bootstrappers:svclab:default-node-token'])).stdout).trim();
  t.is(await canI('get', 'secrets/svclab-certs'), 'yes');
  t.is(await canI('get', 'secrets/other'), 'no');
  t.is(await canI('list', 'secrets'), 'no');
});

async function joinAsControlPlane(t: ExecutionContext, m: Machine, lab: string, host: string): Promise<void> {
  const r = await m.lab(['join', ...joinArgs, '--name', lab, '--host-name', host, '--control-plane', '--certificate-key', certificateKey], { timeoutMs: 180_000 });
  t.is(r.exitCode, 0, String(r.all));
  t.regex(String(r.stdout), new RegExp(`etcd member ${host} \\(https://${m.ip.replace(/\./g, '\\.')}:2380\\) added`));
}

it.serial('B joins as a control plane', async (t) => {
  await joinAsControlPlane(t, B, labB, 'machine-b');
  t.deepEqual((await members(A, labA)).map((x) => x.name).sort(), ['control-plane', 'machine-b']);
});

it.serial("C joins as a control plane: etcdctl lists 3 started members, each on its machine's address", async (t) => {
  await joinAsControlPlane(t, C, labC, 'machine-c');
  for (const [m, lab] of [[A, labA], [C, labC]] as const) {
    const list = await members(m, lab);
    t.deepEqual(list.map((x) => x.name).sort(), ['control-plane', 'machine-b', 'machine-c']);
    t.true(list.every((x) => (x.clientURLs ?? []).length > 0), 'every member started');
  }
  const list = await members(A, labA);
  for (const [m, host] of [[A, 'control-plane'], [B, 'machine-b'], [C, 'machine-c']] as const) t.deepEqual(list.find((x) => x.name === host)!.peerURLs, [`https://${m.ip}:2380`]);
  // B's agent uses its machine's replica (TLS on its socket) first.
  const agent = fs.readFileSync(`/proc/${componentPid(B, labB, 'agent-node2')}/cmdline`, 'utf8').split('\0');
  t.regex(agent[agent.indexOf('--server') + 1]!, /^unix\+https:.*api-tls\.sock$/);
  await waitFor('node1, node2 and node3 Ready', async () => {
    const nodes = (JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as KubeList<Node>).items;
    return ['node1', 'node2', 'node3'].every((n) => nodes.some((x) => x.metadata.name === n && isReady(x)));
  }, 60_000, 500);
});

it.serial("a write through B's API server is read through A's", async (t) => {
  await kubectl(['create', 'configmap', 'via-b', '--from-literal=k=v'], `https://${B.ip}:6443`);
  const cm = JSON.parse(await kubectl(['get', 'configmap', 'via-b', '-o', 'json'])) as ConfigMap;
  t.is(cm.data?.k, 'v');
  const r = await B.lab(['etcdctl', '--name', labB, '--', 'get', '/registry/configmaps/default/via-b', '--keys-only']);
  t.is(String(r.stdout).trim(), '/registry/configmaps/default/via-b');
});

it.serial("B's API server serves logs of its own machine's pods, and for a pod on A's node says why it cannot (no egress there)", async (t) => {
  const pods = (JSON.parse(await kubectl(['get', 'pods', '-n', 'kube-system', '-o', 'json'])) as KubeList<Pod>).items.filter((p) => p.status?.phase === 'Running');
  const onA = pods.find((p) => p.spec.nodeName === 'node1');
  t.truthy(onA, `a running kube-system pod on node1: ${pods.map((p) => `${p.metadata.name}@${p.spec.nodeName}`).join(' ')}`);
  const r = await A.lab(['kubectl', '--name', labA, '--server', `https://${B.ip}:6443`, 'logs', '-n', 'kube-system', onA!.metadata.name!]);
  t.not(r.exitCode, 0);
  t.regex(String(r.stderr), /node node1's kubelet has no socket on this machine and this API server has no egress to the node network: .*use the API server of the machine that ran lab up/);
  t.is((await A.lab(['kubectl', '--name', labA, 'logs', '-n', 'kube-system', onA!.metadata.name!])).exitCode, 0, 'A\'s API server reaches it');
  // A pod on node2 (B's machine): B's API server reaches its kubelet on the local socket.
  const pod = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: on-b\nspec:\n  nodeName: node2\n  containers:\n  - name: hello\n    image: lab/hello\n`;
  const applied = await A.lab(['kubectl', '--name', labA, 'apply', '-f', '-'], { input: pod });
  t.is(applied.exitCode, 0, String(applied.all));
  await waitFor('pod on-b Running', async () => (JSON.parse(await kubectl(['get', 'pod', 'on-b', '-o', 'json'])) as Pod).status?.phase === 'Running', 30_000, 300);
  const own = await waitFor('logs of on-b through B', async () => {
    const r = await A.lab(['kubectl', '--name', labA, '--server', `https://${B.ip}:6443`, 'logs', 'on-b']);
    if (r.exitCode !== 0) throw new Error(String(r.stderr));
    return /hello: on-b listening on /.test(String(r.stdout)) ? String(r.stdout) : undefined;
  }, 10_000, 300);
  t.regex(own, /hello: on-b listening on 10\.244\.\d+\.\d+:8080/);
});

it.serial("C's etcd member SIGKILLed and held down: A and B keep serving writes, and a Service change reaches a node's rules", async (t) => {
  const hold = path.join(C.stateRoot, labC, 'hold', 'etcd');
  fs.mkdirSync(path.dirname(hold), { recursive: true });
  fs.writeFileSync(hold, '');
  process.kill(componentPid(C, labC, 'etcd')!, 'SIGKILL');
  await waitFor("C's etcd gone", () => componentPid(C, labC, 'etcd') === undefined, 10_000, 50);
  for (const [m, name] of [[A, 'after-kill-a'], [B, 'after-kill-b']] as const) {
    await waitFor(`a write through ${m.name}'s API server`, () => kubectl(['create', 'configmap', name], `https://${m.ip}:6443`).then(() => true, () => false), 20_000, 500);
  }
  const yaml = `apiVersion: v1\nkind: Service\nmetadata:\n  name: after-kill\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080\n`;
  const r = await A.lab(['kubectl', '--name', labA, '--server', `https://${B.ip}:6443`, 'apply', '-f', '-'], { input: yaml });
  t.is(r.exitCode, 0, String(r.all));
  const svc = JSON.parse(await kubectl(['get', 'service', 'after-kill', '-o', 'json'])) as Service;
  // node2 (on B) programs it from its own replica.
  await waitFor(`node2 has rules for ${svc.spec.clusterIP}`, async () => {
    const rules = await execa(systemTool('ip'), ['netns', 'exec', `svclab-${labB}-node2`, systemTool('iptables-save')], { reject: false });
    return String(rules.stdout).includes(`-d ${svc.spec.clusterIP}/32`);
  }, 30_000, 300);
  t.pass();
  fs.rmSync(hold, { force: true });
  await waitFor("C's etcd back", () => componentPid(C, labC, 'etcd') !== undefined, 10_000, 50);
});

it.serial('lab down on C removes its member first (etcdctl lists 2), and leaves C as found', async (t) => {
  const down = await C.lab(['down', '--name', labC]);
  t.is(down.exitCode, 0, String(down.all));
  t.notRegex(String(down.all), /removing etcd member/, 'no warning: the member was removed');
  t.deepEqual((await members(A, labA)).map((x) => x.name).sort(), ['control-plane', 'machine-b']);
  t.deepEqual(await machineSnapshot(C, labC), beforeC);
  await kubectl(['create', 'configmap', 'after-c-left']);
});

it.serial('the uploaded certificates go when their two-hour owner token expires; lab upload-certs uploads them with a new key, and C joins again with the command lab token create prints for it', async (t) => {
  const certs = JSON.parse(await kubectl(['get', 'secret', 'svclab-certs', '-n', 'kube-system', '-o', 'json'])) as Secret;
  const owner = certs.metadata.ownerReferences?.[0]?.name ?? '';
  t.regex(owner, /^bootstrap-token-[a-z0-9]{6}$/);
  const token = JSON.parse(await kubectl(['get', 'secret', owner, '-n', 'kube-system', '-o', 'json'])) as Secret;
  const field = (k: string): string | undefined => (token.data?.[k] === undefined ? undefined : Buffer.from(token.data[k]!, 'base64').toString());
  t.is(field('usage-bootstrap-authentication'), undefined, 'the owner token authenticates nobody');
  const left = Date.parse(field('expiration')!) - Date.now();
  t.true(left > 1.8 * 3600_000 && left <= 2 * 3600_000, `expires in two hours (${left} ms)`);
  // Its expiration moved into the past: the token cleaner deletes it, the garbage collector the certificates.
  const past = Buffer.from(new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')).toString('base64');
  await kubectl(['patch', 'secret', owner, '-n', 'kube-system', '-p', JSON.stringify({ data: { expiration: past } })]);
  await waitFor('svclab-certs deleted', async () => /NotFound/.test(String((await A.lab(['kubectl', '--name', labA, 'get', 'secret', 'svclab-certs', '-n', 'kube-system'])).stderr)), 60_000, 300);
  const late = await C.lab(['join', ...joinArgs, '--name', labC, '--host-name', 'machine-c2', '--control-plane', '--certificate-key', certificateKey]);
  t.not(late.exitCode, 0);
  t.regex(String(late.stderr), /has no Secret kube-system\/svclab-certs: the uploaded certificates are deleted two hours after upload/);
  t.deepEqual(await machineSnapshot(C, labC), beforeC);

  const upload = await A.lab(['upload-certs', '--name', labA]);
  t.is(upload.exitCode, 0, String(upload.all));
  t.regex(String(upload.stdout), /^\[upload-certs\] Storing the certificates in Secret "svclab-certs" in the "kube-system" Namespace$/m);
  const key = String(upload.stdout).trim().split('\n').at(-1)!;
  t.regex(key, /^[0-9a-f]{64}$/);
  t.not(key, certificateKey);
  const stale = await A.lab(['token', 'create', '--name', labA, '--print-join-command', '--certificate-key', certificateKey]);
  t.not(stale.exitCode, 0);
  t.regex(String(stale.stderr), /the certificate key does not decrypt Secret kube-system\/svclab-certs/);
  const printed = await A.lab(['token', 'create', '--name', labA, '--print-join-command', '--certificate-key', key]);
  t.is(printed.exitCode, 0, String(printed.all));
  const line = String(printed.stdout).trim();
  t.regex(line, new RegExp(`^lab join https://${A.ip.replace(/\./g, '\\.')}:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64} --control-plane --certificate-key ${key}$`));
  const again = await C.lab(['join', ...line.split(' ').slice(2), '--name', labC, '--host-name', 'machine-c2', '--nodes', '1'], { timeoutMs: 180_000 });
  t.is(again.exitCode, 0, String(again.all));
  t.deepEqual((await members(A, labA)).map((x) => x.name).sort(), ['control-plane', 'machine-b', 'machine-c2']);
  const onC = await C.lab(['upload-certs', '--name', labC]);
  t.is(onC.exitCode, 2);
  t.regex(String(onC.stderr), /lab upload-certs: lab "[a-z0-9]+" joined a control plane elsewhere; run it on the machine that ran lab up/);
});
