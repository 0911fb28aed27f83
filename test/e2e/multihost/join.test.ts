// A lab that spans machines the real way (issue #18): machine A runs `lab up --listen`, machine B
// `lab join` with the printed token and CA hash; each simulated machine is a namespace on a routed
// transit link with its own state root and process tree (test/helpers/machines.ts).
//
//   A (control plane): node1 (web-a), node2          B (joined): node3 (web-b), node4
//
// Service web selects both pods, web-a only A's, web-b only B's. Pods are reached from their own
// network namespaces (kubectl exec into B's pods is kubelet-tls.test.ts's subject).
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Host } from '../../../src/api/hosts.js';
import type { KubeList, Node, Pod, Service } from '../../../src/api/types.js';
import { isReady } from '../../../src/api/conditions.js';
import { parseIptablesSave } from '../../../src/agent/proxy/iptables/save.js';
import { systemTool } from '../../../src/net/tools.js';
import { waitFor } from '../../helpers/lab.js';
import { createMachines, machineSnapshot, type Machine, type Machines } from '../../helpers/machines.js';
import { hostSnapshot } from '../../helpers/host.js';
import { e2e } from '../../helpers/root.js';
import { iptablesNames, rulesOf, targetsOf } from '../dataplane/rules.js';
import { portRef } from '../dataplane/layout.js';
import { curlArgv, failures, parseAnswers, pods, type Answer } from '../dataplane/traffic.js';

const it = e2e(test);
const tag = `j${process.pid % 10000}`;
const labA = `ja${process.pid % 10000}`;
const labB = `jb${process.pid % 10000}`;
const labC = `jc${process.pid % 10000}`;
let machines: Machines;
let A: Machine;
let B: Machine;
let C: Machine;
let beforeHost: string[];
let beforeB: string[];
let beforeC: string[];
let joinArgs: string[];
const podIP = new Map<string, string>();
const podNetns = new Map<string, string>();
const services = new Map<string, Service>();

/** kubectl on machine A, as its admin. */
async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await A.lab(['kubectl', '--name', labA, ...args], input === undefined ? {} : { input });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${String(r.all)}`);
  return String(r.stdout);
}
const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl(['get', ...args, '-o', 'json'])) as T;

async function inNetns(ns: string, argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(systemTool('ip'), ['netns', 'exec', ns, ...argv], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** count requests from a pod's own network namespace. */
async function fromPod(pod: string, target: string, count: number): Promise<Answer[]> {
  return parseAnswers(await inNetns(podNetns.get(pod)!, curlArgv(target, count)), count);
}

async function nodesReady(names: string[], ready: boolean, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${names.join(', ')} ${ready ? 'Ready' : 'NotReady'}`, async () => {
    const nodes = (await getJson<KubeList<Node>>(['nodes'])).items;
    return names.every((n) => nodes.some((x) => x.metadata.name === n && isReady(x) === ready));
  }, timeoutMs, 500);
}

/** The endpoints node1 (on A) sends a service's cluster IP to, from its iptables rules. */
async function node1Targets(svc: string): Promise<string[]> {
  const r = await inNetns(`svclab-${labA}-node1`, [systemTool('iptables-save')]);
  const nat = parseIptablesSave(r.stdout).get('nat');
  const seps = targetsOf(nat, iptablesNames(portRef(services.get(svc)!)).svc).filter((c) => c.startsWith('KUBE-SEP-'));
  return seps.flatMap((sep) => rulesOf(nat, sep).flatMap((s) => /--to-destination (\S+)/.exec(s)?.[1] ?? [])).sort();
}

const ep = (pod: string): string => `${podIP.get(pod)}:8080`;

it.before(async (t) => {
  beforeHost = await hostSnapshot(labA);
  machines = await createMachines(tag, 3);
  [A, B, C] = machines.machines as [Machine, Machine, Machine];
  beforeB = await machineSnapshot(B, labB);
  beforeC = await machineSnapshot(C, labC);
  const up = await A.lab(['up', '--name', labA, '--nodes', '2', '--listen', `${A.ip}:6443`, '--node-grace-period', '4']);
  t.is(up.exitCode, 0, String(up.all));
  const token = /--token\s+([a-z0-9]{6}\.[a-z0-9]{16})/.exec(String(up.stdout))?.[1];
  const hash = /--discovery-token-ca-cert-hash\s+(sha256:[0-9a-f]{64})/.exec(String(up.stdout))?.[1];
  t.truthy(token && hash, `lab up --listen prints the join command: ${String(up.stdout)}`);
  joinArgs = [`https://${A.ip}:6443`, '--token', token!, '--discovery-token-ca-cert-hash', hash!];
  const join = await B.lab(['join', ...joinArgs, '--nodes', '2', '--name', labB, '--host-name', 'machine-b']);
  t.is(join.exitCode, 0, String(join.all));
  t.log(String(join.stdout).split('\n').find((l) => l.startsWith('host machine-b joined')));
  t.regex(String(join.stdout), /host machine-b joined lab \S+ .*node3 \(172\.18\.0\.4, pods 10\.244\.3\.0\/24\), node4 \(172\.18\.0\.5, pods 10\.244\.4\.0\/24\) Ready/);
  const pod = (name: string, node: string, side: string): Pod =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web', side } }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/hello' }] } }) as Pod;
  const svc = (name: string, selector: Record<string, string>, type = 'ClusterIP', extra: Partial<Service['spec']> = {}): Service =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { type, selector, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...extra } }) as Service;
  const objects = [
    pod('web-a', 'node1', 'a'),
    pod('web-b', 'node3', 'b'),
    svc('web', { app: 'web' }, 'NodePort'),
    svc('web-local', { app: 'web' }, 'NodePort', { externalTrafficPolicy: 'Local' }),
    svc('web-a', { side: 'a' }),
    svc('web-b', { side: 'b' }),
  ];
  await kubectl(['apply', '-f', '-'], objects.map((o) => YAML.stringify(o)).join('---\n'));
  await waitFor('web-a and web-b Running and Ready', async () => {
    const list = (await getJson<KubeList<Pod>>(['pods'])).items;
    return list.length === 2 && list.every((p) => p.status?.phase === 'Running' && isReady(p));
  }, 60_000, 500);
  for (const p of (await getJson<KubeList<Pod>>(['pods'])).items) {
    podIP.set(p.metadata.name!, p.status!.podIP!);
    const lab = p.spec.nodeName === 'node3' ? labB : labA;
    podNetns.set(p.metadata.name!, `svclab-${lab}-pod-${p.metadata.uid!.slice(0, 13).replace(/-$/, '')}`);
  }
  for (const s of (await getJson<KubeList<Service>>(['services'])).items) services.set(s.metadata.name!, s);
  await waitFor('node1 sends web to both pods', async () => JSON.stringify(await node1Targets('web')) === JSON.stringify([ep('web-a'), ep('web-b')].sort()), 30_000, 500);
});

it.after.always(async (t) => {
  await C?.lab(['down', '--name', labC]);
  await B?.lab(['down', '--name', labB]);
  const down = await A?.lab(['down', '--name', labA]);
  t.is(down?.exitCode, 0, String(down?.all));
  await machines?.destroy();
  t.deepEqual(await hostSnapshot(labA), beforeHost, 'the machines and their labs leave the host exactly as found');
  t.false(fs.existsSync('/run/svclab-machines') && fs.readdirSync('/run/svclab-machines').some((d) => d.includes(tag)));
});

it.serial('B\'s nodes are Ready with the names, IPs and pod CIDRs the control plane allocated; its Host carries them and owns the Nodes', async (t) => {
  await nodesReady(['node1', 'node2', 'node3', 'node4'], true);
  const nodes = (await getJson<KubeList<Node>>(['nodes'])).items;
  const n3 = nodes.find((n) => n.metadata.name === 'node3')!;
  t.is(n3.spec?.podCIDR, '10.244.3.0/24');
  t.is(n3.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, '172.18.0.4');
  const host = await getJson<Host>(['host', 'machine-b']);
  t.is(host.spec.address, B.ip);
  t.deepEqual(host.status?.nodes, [
    { name: 'node3', ip: '172.18.0.4', podCIDR: '10.244.3.0/24' },
    { name: 'node4', ip: '172.18.0.5', podCIDR: '10.244.4.0/24' },
  ]);
  t.regex(host.metadata.annotations?.['svclab.io/requested-by'] ?? '', /^system:bootstrap:[a-z0-9]{6}$/);
  t.like(n3.metadata.ownerReferences?.[0], { kind: 'Host', name: 'machine-b', uid: host.metadata.uid });
  const table = await kubectl(['get', 'hosts']);
  t.regex(table, /^NAME\s+ADDRESS\s+NODES\s+AGE\n/);
  t.regex(table, new RegExp(`machine-b\\s+${B.ip.replace(/\./g, '\\.')}\\s+2\\s`));
  // The overlay: vxlan0 on each machine's own address, one flood entry per other Host.
  for (const [m, lab, other] of [[A, labA, B], [B, labB, A]] as const) {
    const vx = JSON.parse((await inNetns(`svclab-${lab}-switch`, [systemTool('ip'), '-d', '-j', 'link', 'show', 'vxlan0'])).stdout)[0];
    t.is(vx.linkinfo.info_data.local, m.ip);
    t.is(vx.mtu, 1450);
    const fdb = await execa(systemTool('bridge'), ['-n', `svclab-${lab}-switch`, '-j', 'fdb', 'show', 'dev', 'vxlan0']);
    t.deepEqual(JSON.parse(fdb.stdout).filter((e: { mac: string }) => e.mac === '00:00:00:00:00:00').map((e: { dst: string }) => e.dst), [other.ip]);
  }
  const status = await B.lab(['status', '--name', labB]);
  t.regex(String(status.stdout), new RegExp(`joined lab ${labA} as host machine-b \\(${B.ip.replace(/\./g, '\\.')}\\)`));
  t.regex(String(status.stdout), /node3\s+Ready\s+172\.18\.0\.4\s+10\.244\.3\.0\/24/);
  const statusA = String((await A.lab(['status', '--name', labA])).stdout);
  t.regex(statusA, new RegExp(`hosts: .*machine-b ${B.ip.replace(/\./g, '\\.')}.*node network over VXLAN \\d+, UDP 4789, MTU 1450`));
  t.regex(statusA, /node1\s+control-plane\s+Ready/);
  t.regex(statusA, /node4\s+machine-b\s+Ready\s+172\.18\.0\.5\s+10\.244\.4\.0\/24/);
  const kubectlOnB = await B.lab(['kubectl', '--name', labB, 'get', 'nodes']);
  t.regex(String(kubectlOnB.stderr), /the admin's credentials stay on its control plane/);
});

it.serial('the overlay daemon resyncs on restart: a lost flood entry comes back, a stale one goes', async (t) => {
  const sw = `svclab-${labA}-switch`;
  const floods = async (): Promise<string[]> => {
    const fdb = await execa(systemTool('bridge'), ['-n', sw, '-j', 'fdb', 'show', 'dev', 'vxlan0']);
    return JSON.parse(fdb.stdout).filter((e: { mac: string }) => e.mac === '00:00:00:00:00:00').map((e: { dst: string }) => e.dst).sort();
  };
  const components = (): { name: string; pid?: number }[] => JSON.parse(fs.readFileSync(path.join(A.stateRoot, labA, 'components.json'), 'utf8'));
  const pid = components().find((c) => c.name === 'overlay')!.pid!;
  process.kill(pid, 'SIGKILL');
  await execa(systemTool('bridge'), ['-n', sw, 'fdb', 'del', '00:00:00:00:00:00', 'dev', 'vxlan0', 'dst', B.ip]);
  await execa(systemTool('bridge'), ['-n', sw, 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxlan0', 'dst', '198.18.0.250']);
  await waitFor('a new overlay daemon', () => (components().find((c) => c.name === 'overlay')?.pid ?? pid) !== pid, 10_000, 100);
  await waitFor('the flood list resynced', async () => JSON.stringify(await floods()) === JSON.stringify([B.ip]), 10_000, 200);
  t.deepEqual(pods(await fromPod('web-a', ep('web-b'), 2)), ['web-b']);
});

it.serial('pod to pod and ClusterIP across the machines, both ways: the pod on the other machine answers', async (t) => {
  t.deepEqual(pods(await fromPod('web-b', ep('web-a'), 3)), ['web-a']);
  t.deepEqual(pods(await fromPod('web-a', ep('web-b'), 3)), ['web-b']);
  const viaB = await fromPod('web-b', `${services.get('web-a')!.spec.clusterIP}:80`, 5);
  t.deepEqual([failures(viaB), pods(viaB)], [[], ['web-a']]);
  const viaA = await fromPod('web-a', `${services.get('web-b')!.spec.clusterIP}:80`, 5);
  t.deepEqual([failures(viaA), pods(viaA)], [[], ['web-b']]);
  // Big packets cross at the overlay's MTU (1450 on every pod interface) without fragmentation trouble.
  const mtu = await inNetns(podNetns.get('web-b')!, [systemTool('ip'), '-j', 'link', 'show', 'eth0']);
  t.is(JSON.parse(mtu.stdout)[0].mtu, 1450);
  t.is((await inNetns(podNetns.get('web-b')!, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', '1422', podIP.get('web-a')!])).exitCode, 0);
});

it.serial('NodePort on a node of B from the lab\'s outside world (on A)', async (t) => {
  const outside = `svclab-${labA}-outside`;
  // node3's proxy programs the NodePorts on its own schedule: wait for its first answer.
  const served = (port: number) => waitFor(`node3 serves NodePort ${port}`, async () => failures(parseAnswers(await inNetns(outside, curlArgv(`172.18.0.4:${port}`, 1)), 1)).length === 0, 15_000, 300);
  const nodePort = services.get('web')!.spec.ports![0]!.nodePort!;
  await served(nodePort);
  const answers = parseAnswers(await inNetns(outside, curlArgv(`172.18.0.4:${nodePort}`, 10)), 10);
  t.deepEqual(failures(answers), []);
  t.true(pods(answers).every((p) => p === 'web-a' || p === 'web-b'), pods(answers).join(','));
  // externalTrafficPolicy Local on B's node: only B's pod answers, and it sees the outside client's own address.
  const local = services.get('web-local')!.spec.ports![0]!.nodePort!;
  await served(local);
  const kept = parseAnswers(await inNetns(outside, curlArgv(`172.18.0.4:${local}`, 5)), 5);
  t.deepEqual([failures(kept), pods(kept), [...new Set(kept.map((a) => a.client))]], [[], ['web-b'], ['203.0.113.2']]);
});

it.serial('DNS from B\'s pods: the cluster DNS (its pods on A) answers service names', async (t) => {
  const r = await inNetns(podNetns.get('web-b')!, ['dig', '+short', '+time=2', '+tries=2', '@10.96.0.10', 'web-a.default.svc.cluster.local']);
  t.is(r.stdout.trim(), services.get('web-a')!.spec.clusterIP!);
});

it.serial('a wrong token is refused with a clear error; no Host is stored and the machine is as it was', async (t) => {
  const wrong = [...joinArgs];
  wrong[2] = 'zzzzzz.zzzzzzzzzzzzzzzz';
  const r = await C.lab(['join', ...wrong, '--nodes', '1', '--name', labC, '--host-name', 'machine-c']);
  t.is(r.exitCode, 1, String(r.all));
  t.regex(String(r.stderr), /token/i);
  t.notRegex(String(r.stderr), /\n\s+at /, 'no stack trace');
  t.deepEqual((await getJson<KubeList<Host>>(['hosts'])).items.map((h) => h.metadata.name).sort(), ['control-plane', 'machine-b']);
  t.deepEqual(await machineSnapshot(C, labC), beforeC);
});

it.serial('an unreachable server, a CA that is not the pinned one, an allocation refused: each a clear error, the machine as it was', async (t) => {
  const base = ['--nodes', '1', '--name', labC, '--host-name', 'machine-c'];
  const unreachable = await C.lab(['join', 'https://198.18.0.250:6443', ...joinArgs.slice(1), ...base]);
  t.is(unreachable.exitCode, 1);
  t.regex(String(unreachable.stderr), /cannot reach the lab's API at https:\/\/198\.18\.0\.250:6443/);
  const pinned = [...joinArgs];
  pinned[4] = `sha256:${'0'.repeat(64)}`;
  const mismatch = await C.lab(['join', ...pinned, ...base]);
  t.is(mismatch.exitCode, 1);
  t.regex(String(mismatch.stderr), /the cluster's CA is not the one pinned/);
  const tooMany = await C.lab(['join', ...joinArgs, ...base, '--nodes', '300']);
  t.is(tooMany.exitCode, 1);
  t.regex(String(tooMany.stderr), /the control plane refused to allocate nodes to host machine-c: the lab's address plan holds 253 nodes and 249 of them are free: 300 requested/);
  // The bootstrap token may not delete the Host it made: the admin is told how, and does it.
  t.regex(String(tooMany.all), /kubectl delete host machine-c/);
  await kubectl(['delete', 'host', 'machine-c']);
  t.deepEqual(await machineSnapshot(C, labC), beforeC);
});

it.serial('a second join gets other nodes (never a collision); deleting its Host lets the garbage collector remove its Nodes', async (t) => {
  const r = await C.lab(['join', ...joinArgs, '--nodes', '1', '--name', labC, '--host-name', 'machine-c']);
  t.is(r.exitCode, 0, String(r.all));
  t.regex(String(r.stdout), /node5 \(172\.18\.0\.6, pods 10\.244\.5\.0\/24\) Ready/);
  await nodesReady(['node5'], true);
  const same = await B.lab(['join', ...joinArgs, '--nodes', '1', '--name', `${labB}x`, '--host-name', 'machine-c']);
  t.is(same.exitCode, 1);
  t.regex(String(same.stderr), /a host named "machine-c" is already part of lab/);
  t.is((await C.lab(['down', '--name', labC])).exitCode, 0);
  t.deepEqual(await machineSnapshot(C, labC), beforeC, 'lab down on C leaves C as it was');
  await kubectl(['delete', 'host', 'machine-c']);
  await waitFor('node5 collected', async () => !(await getJson<KubeList<Node>>(['nodes'])).items.some((n) => n.metadata.name === 'node5'), 30_000, 500);
  t.pass();
});

it.serial('B\'s link cut: its nodes NotReady, web-b leaves A\'s rules, traffic goes on to A\'s pod; link back: B heals', async (t) => {
  await machines.setLink(B, false);
  await nodesReady(['node3', 'node4'], false);
  await waitFor('web-b leaves node1\'s rules', async () => JSON.stringify(await node1Targets('web')) === JSON.stringify([ep('web-a')]), 30_000, 500);
  const during = await fromPod('web-a', `${services.get('web')!.spec.clusterIP}:80`, 5);
  t.deepEqual([failures(during), pods(during)], [[], ['web-a']]);
  await machines.setLink(B, true);
  await nodesReady(['node3', 'node4'], true);
  await waitFor('web-b back in node1\'s rules', async () => JSON.stringify(await node1Targets('web')) === JSON.stringify([ep('web-a'), ep('web-b')].sort()), 30_000, 500);
  t.deepEqual(pods(await fromPod('web-a', `${services.get('web-b')!.spec.clusterIP}:80`, 3)), ['web-b']);
});

it.serial('B\'s processes all killed: its nodes NotReady, endpoints leave A\'s rules, traffic goes on to A\'s pod; lab clean on B leaves B as found', async (t) => {
  const mine = (await machineSnapshot(B, labB)).filter((l) => l.startsWith('process ')).map((l) => Number(l.slice(8)));
  t.true(mine.length >= 3, 'the supervisor, the overlay daemon and the agents run on B');
  for (const pid of mine) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  await nodesReady(['node3', 'node4'], false, 30_000);
  await waitFor('web-b leaves node1\'s rules', async () => JSON.stringify(await node1Targets('web')) === JSON.stringify([ep('web-a')]), 30_000, 500);
  const after = await fromPod('web-a', `${services.get('web')!.spec.clusterIP}:80`, 10);
  t.deepEqual([failures(after), pods(after)], [[], ['web-a']]);
  const clean = await B.lab(['clean']);
  t.is(clean.exitCode, 0, String(clean.all));
  t.deepEqual(await machineSnapshot(B, labB), beforeB, 'lab clean on B leaves B exactly as found');
  await nodesReady(['node1', 'node2'], true); // A untouched by B's clean
});
