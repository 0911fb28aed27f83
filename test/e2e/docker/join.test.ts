// `lab join --runtime docker` (issue #18): machine A runs `lab up --listen` (netns runtime), machine B
// joins with its nodes as containers of its Docker engine, wired to B's switch and its vxlan0 on B's
// address; their agents run inside the containers with only their own node credentials, read-only.
// Machines are simulated (test/helpers/machines.ts); the one dockerd here stands for B's engine.
//
//   A (control plane): node1 (web-a)          B (joined, docker): node2 (web-b)
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { isReady } from '../../../src/api/conditions.js';
import type { KubeList, Node, Pod, Service } from '../../../src/api/types.js';
import { connect, labContainers } from '../../../src/runtime/docker/engine.js';
import { systemTool } from '../../../src/net/tools.js';
import { hostSnapshot } from '../../helpers/host.js';
import { waitFor } from '../../helpers/lab.js';
import { createMachines, machineSnapshot, type Machine, type Machines } from '../../helpers/machines.js';
import { dockerE2e } from '../../helpers/root.js';
import { curlArgv, failures, parseAnswers, pods } from '../dataplane/traffic.js';

const it = await dockerE2e(test);
const id = process.pid % 10000;
const labA = `dja${id}`;
const labB = `djb${id}`;
const docker = connect();
let machines: Machines;
let A: Machine;
let B: Machine;
let beforeHost: string[];
let beforeB: string[];
const podIP = new Map<string, string>();
let webA: Service;

/** What B holds of its lab, Docker's side included: the machine snapshot and the lab's containers. */
const snapshotB = async (): Promise<string[]> => [...(await machineSnapshot(B, labB)), ...(await labContainers(docker, labB)).map((c) => `container ${c.Names[0]}`)];

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await A.lab(['kubectl', '--name', labA, ...args], input === undefined ? {} : { input });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${String(r.all)}`);
  return String(r.stdout);
}
const getJson = async <T>(args: string[]): Promise<T> => JSON.parse(await kubectl(['get', ...args, '-o', 'json'])) as T;

const initPid = async (container: string): Promise<number> => (await docker.getContainer(container).inspect()).State.Pid;

/** A command in the network namespace of a pod on B (its pause container's): B's API cannot exec (no kubelet API over TLS). */
async function inPodOnB(pod: string, argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const [pause] = (await docker.listContainers({ filters: { label: [`svclab.lab=${labB}`, `io.kubernetes.pod.name=${pod}`] } })).filter((c) => c.Names[0]!.startsWith('/k8s_POD_'));
  const r = await execa(systemTool('nsenter'), ['-t', String(await initPid(pause!.Id)), '-n', '--', ...argv], { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

it.before(async (t) => {
  beforeHost = await hostSnapshot(labA);
  machines = await createMachines(`dj${id}`, 2);
  [A, B] = machines.machines as [Machine, Machine];
  beforeB = await snapshotB();
  const up = await A.lab(['up', '--name', labA, '--nodes', '1', '--listen', `${A.ip}:6443`]);
  t.is(up.exitCode, 0, String(up.all));
  const token = /--token\s+([a-z0-9]{6}\.[a-z0-9]{16})/.exec(String(up.stdout))![1]!;
  const hash = /--discovery-token-ca-cert-hash\s+(sha256:[0-9a-f]{64})/.exec(String(up.stdout))![1]!;
  const join = await B.lab(['join', `https://${A.ip}:6443`, '--token', token, '--discovery-token-ca-cert-hash', hash, '--runtime', 'docker', '--nodes', '1', '--name', labB, '--host-name', 'machine-b'], { timeoutMs: 180_000 });
  t.is(join.exitCode, 0, String(join.all));
  t.log(String(join.stdout).split('\n').find((l) => l.startsWith('host machine-b joined')));
  const pod = (name: string, node: string, side: string): Pod =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { side } }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/hello' }] } }) as Pod;
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-a' }, spec: { selector: { side: 'a' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } } as Service;
  await kubectl(['apply', '-f', '-'], [pod('web-a', 'node1', 'a'), pod('web-b', 'node2', 'b'), svc].map((o) => YAML.stringify(o)).join('---\n'));
  await waitFor('web-a and web-b Running and Ready', async () => {
    const list = (await getJson<KubeList<Pod>>(['pods'])).items;
    return list.length === 2 && list.every((p) => p.status?.phase === 'Running' && isReady(p));
  }, 90_000, 500);
  for (const p of (await getJson<KubeList<Pod>>(['pods'])).items) podIP.set(p.metadata.name!, p.status!.podIP!);
  webA = await getJson<Service>(['service', 'web-a']);
});

it.after.always(async (t) => {
  await B?.lab(['down', '--name', labB]);
  const down = await A?.lab(['down', '--name', labA]);
  t.is(down?.exitCode, 0, String(down?.all));
  await machines?.destroy();
  t.deepEqual(await hostSnapshot(labA), beforeHost, "the machines and their labs leave the host's own namespace exactly as found");
});

it.serial("B's node is a container of B's engine on B's switch, vxlan0 made in B's namespace; its agent runs inside it with only its own credentials, read-only; Ready", async (t) => {
  await waitFor('node2 Ready', async () => (await getJson<KubeList<Node>>(['nodes'])).items.some((n) => n.metadata.name === 'node2' && isReady(n)), 30_000, 500);
  const name = `svclab-${labB}-node2`;
  const info = await docker.getContainer(name).inspect();
  t.like(info, { State: { Running: true }, HostConfig: { NetworkMode: 'none' } });
  const sw = `svclab-${labB}-switch`;
  const bridged = JSON.parse((await execa(systemTool('ip'), ['-n', sw, '-j', 'link', 'show', 'master', 'br-nodes'])).stdout) as { ifname: string }[];
  t.deepEqual(bridged.map((l) => l.ifname).sort(), ['node2', 'vxlan0']);
  // The container's eth0 is the peer of the switch's port node2; its address is the allocated one.
  const eth0 = JSON.parse((await execa(systemTool('nsenter'), ['-t', String(info.State.Pid), '-n', '--', systemTool('ip'), '-j', 'addr', 'show', 'eth0'])).stdout)[0];
  t.is(eth0.addr_info.find((a: { family: string }) => a.family === 'inet')?.local, '172.18.0.3');
  t.is(eth0.mtu, 1450);
  // vxlan0 lives in the switch but was made in B's namespace: its link-netns is B's, its local address B's.
  const vx = JSON.parse((await execa(systemTool('ip'), ['-n', sw, '-d', '-j', 'link', 'show', 'vxlan0'])).stdout)[0];
  t.is(vx.linkinfo.info_data.local, B.ip);
  const ids = JSON.parse((await execa(systemTool('ip'), ['-n', sw, '-j', 'netns', 'list-id'])).stdout) as { nsid: number; name?: string }[];
  t.is(ids.find((i) => i.nsid === vx.link_netnsid)?.name, B.netns);
  // The agent: a process of B's supervisor, in the container's network and mount namespaces.
  const components = JSON.parse(fs.readFileSync(path.join(B.stateRoot, labB, 'components.json'), 'utf8')) as { name: string; pid?: number }[];
  const agent = components.find((c) => c.name === 'agent-node2')!.pid!;
  const ns = (pid: number, kind: string): string => fs.readlinkSync(`/proc/${pid}/ns/${kind}`);
  const agentProcess = (await descendants(agent)).find((p) => safeCmdline(p).startsWith(`${process.execPath}\0`));
  t.truthy(agentProcess, 'the agent (node) runs under the supervised process');
  for (const kind of ['net', 'mnt', 'pid']) t.is(ns(agentProcess!, kind), ns(info.State.Pid, kind), `the agent is in the container's ${kind} namespace`);
  // What the container sees of pki/: the CA and node2's certificate and key, read-only, and nothing
  // else but the kubelet serving pair node2's agent requests there (its --cert-dir, in the tmpfs).
  const pki = path.join(B.stateRoot, labB, 'pki');
  const inContainer = (argv: string[]) => execa(systemTool('nsenter'), ['-t', String(info.State.Pid), '-m', '--', ...argv], { reject: false });
  const pkiFs = await inContainer(['stat', '-f', '-c', '%T', pki]);
  t.is(String(pkiFs.stdout).trim(), 'tmpfs', `pki/ is the container's own tmpfs, not the machine's directory (${String(pkiFs.stderr)})`);
  const files = String((await inContainer(['find', pki, '-type', 'f'])).stdout).split('\n');
  t.deepEqual(files.filter((f) => !/\/nodes\/kubelet-server-node2\.(crt|key)$/.test(f)).sort(), [`${pki}/ca.crt`, `${pki}/nodes/node2.crt`, `${pki}/nodes/node2.key`]);
  const write = await inContainer(['sh', '-c', `: >> ${pki}/nodes/node2.key`]);
  t.not(write.exitCode, 0);
  t.regex(String(write.stderr), /Read-only file system/);
});

it.serial("kubectl logs and exec on A reach the pod in B's node container: its kubelet over TLS, through the router's egress", async (t) => {
  let logs = '';
  await waitFor("web-b's logs through node2's kubelet", async () => {
    logs = await kubectl(['logs', 'web-b']).catch(() => '');
    return logs !== '';
  }, 30_000, 500).catch(async (e) => {
    t.log(await kubectl(['logs', 'web-b']).catch((x: Error) => x.message));
    const dir = path.join(B.stateRoot, labB, 'logs');
    for (const f of fs.readdirSync(dir)) t.log(f, fs.readFileSync(path.join(dir, f), 'utf8').split('\n').slice(-15).join('\n'));
    throw e;
  });
  t.regex(logs, /hello: web-b listening on 10\.244\.2\.\d+:8080/);
  t.is((await kubectl(['exec', 'web-b', '--', 'hostname'])).trim(), 'web-b');
});

it.serial("a pod on B reaches a pod on A and a ClusterIP whose only backend is on A: A's pod answers, seeing B's pod's own address", async (t) => {
  const direct = parseAnswers(await inPodOnB('web-b', curlArgv(`${podIP.get('web-a')}:8080`, 3)), 3);
  t.deepEqual([failures(direct), pods(direct), [...new Set(direct.map((a) => a.client))]], [[], ['web-a'], [podIP.get('web-b')]]);
  const viaService = parseAnswers(await inPodOnB('web-b', curlArgv(`${webA.spec.clusterIP}:80`, 5)), 5);
  t.deepEqual([failures(viaService), pods(viaService)], [[], ['web-a']]);
});

it.serial('lab down on B removes its containers (node and pods), namespaces, processes and state: B as found', async (t) => {
  t.true((await labContainers(docker, labB)).some((c) => c.Labels['svclab.role'] === 'pod'), "B's pod containers exist before");
  const down = await B.lab(['down', '--name', labB]);
  t.is(down.exitCode, 0, String(down.all));
  t.deepEqual(await snapshotB(), beforeB);
});

function safeCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Every descendant of a process (nsenter forks the agent into the container's pid namespace). */
async function descendants(pid: number): Promise<number[]> {
  const children = (await execa('pgrep', ['-P', String(pid)], { reject: false })).stdout.split('\n').filter(Boolean).map(Number);
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
}
