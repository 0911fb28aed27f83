// Docker nodes on two simulated hosts (lab up --runtime docker --hosts 2): each node is a
// container whose network namespace is wired by the shared topology code, its port on its
// host's switch; the node network crosses between the hosts' switches as VXLAN on the
// hosts' transit addresses, and host2's agent reaches the API over the overlay.
//
//   host1: node1 (web1, client1)        host2: node2 (web2, client2)
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Lease, Node, Pod, Service } from '../../../src/api/types.js';
import type { LabPlan } from '../../../src/lab/plan.js';
import { readState } from '../../../src/lab/state.js';
import { listNetns } from '../../../src/net/ip.js';
import { systemTool } from '../../../src/net/tools.js';
import { sleep } from '../../../src/util/poll.js';
import { connect, labContainers } from '../../../src/runtime/docker/engine.js';
import { componentPid, waitFor } from '../../helpers/lab.js';
import { dockerE2e } from '../../helpers/root.js';
import { failures, pods, requests, runOn } from '../dataplane/traffic.js';
import { readyPod, useLab } from '../workloads/lab-session.js';

const it = await dockerE2e(test);
const s = useLab(it, 'dkh', ['--runtime', 'docker', '--nodes', '2', '--hosts', '2', '--lb-pool', 'none']);
const docker = connect();
let plan: LabPlan;
const podIP = new Map<string, string>();
let h1: Service;

const pod = (podName: string, node: string, image: string, labels: Record<string, string> = {}): Pod =>
  ({ metadata: { name: podName, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image }] } }) as Pod;

async function on(host: string, argv: string[]): Promise<string> {
  const r = await runOn(s.name, { host }, argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on ${host} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

const mtu = async (from: { host: string } | { pod: string }): Promise<number> => JSON.parse((await runOn(s.name, from, [systemTool('ip'), '-j', 'link', 'show', 'eth0'])).stdout)[0].mtu;

it.serial.before(async () => {
  plan = readState(s.name)!.plan;
  const podList = [pod('web1', 'node1', 'lab/hello', { app: 'web', side: 'h1' }), pod('web2', 'node2', 'lab/hello', { app: 'web' }), pod('client1', 'node1', 'lab/toolbox'), pod('client2', 'node2', 'lab/toolbox')];
  h1 = await s.client.create<Service>(types.services, { metadata: { name: 'h1' }, spec: { selector: { side: 'h1' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } } as Service, 'default');
  await Promise.all(podList.map((p) => s.client.create(types.pods, p, 'default')));
  for (const p of podList) podIP.set(p.metadata.name!, (await readyPod(s, p.metadata.name!, 60_000)).status!.podIP!);
});

// After useLab's `lab down` and its host snapshot (namespaces, links, rules, processes, files): Docker's side too.
it.serial.after.always(async (t) => {
  t.deepEqual(await labContainers(docker, s.name), [], 'no node or pod container left');
  t.deepEqual(listNetns().filter((n) => n.startsWith(`svclab-${s.name}-`)), [], 'no namespace left');
});

it.serial("each node container's port is on its own host's switch; the node network and pods carry the overlay's MTU", async (t) => {
  t.deepEqual(plan.nodes.map((n) => [n.name, n.host]), [['node1', 'host1'], ['node2', 'host2']]);
  const [host1, host2] = plan.overlay!.hosts;
  const bridged = async (switchNetns: string): Promise<string[]> => {
    const r = await execa(systemTool('ip'), ['-n', switchNetns, '-j', 'link', 'show', 'master', 'br-nodes']);
    return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
  };
  const node1 = plan.nodes[0]!;
  const node2 = plan.nodes[1]!;
  t.deepEqual(await bridged(host1!.switchNetns), [node1.port, 'router', 'vxlan0'].sort(), "host1's switch: node1, the router and the overlay");
  t.deepEqual(await bridged(host2!.switchNetns), [node2.port, 'vxlan0'].sort(), "host2's switch: node2 and the overlay");
  // The node's end is the container's own eth0 (its network namespace is the container's).
  const init = (await docker.getContainer(`svclab-${s.name}-node2`).inspect()).State.Pid;
  const agentNet = fs.readlinkSync(`/proc/${init}/ns/net`);
  t.is((await on('node2', ['readlink', '/proc/self/ns/net'])).trim(), agentNet);
  for (const n of ['node1', 'node2']) t.is(await mtu({ host: n }), 1450, `${n} eth0`);
  for (const p of ['client1', 'client2']) t.is(await mtu({ pod: p }), 1450, `${p} eth0`);
  // 1450 - 28: a full-size packet with DF set crosses the overlay from container to container.
  t.regex(await on('node2', ['ping', '-c', '2', '-W', '2', '-M', 'do', '-s', '1422', node1.ip]), /2 received/);
});

it.serial("host2's agent reaches the API across the overlay (HTTPS through the router, its node token), and node2 is Ready", async (t) => {
  const argv = fs.readFileSync(`/proc/${componentPid(s.name, 'agent-node2')}/cmdline`, 'utf8').split('\0');
  t.is(argv[argv.indexOf('--server') + 1], `https://${plan.apiAdvertise.ip}:${plan.apiAdvertise.port}`);
  const argv1 = fs.readFileSync(`/proc/${componentPid(s.name, 'agent-node1')}/cmdline`, 'utf8').split('\0');
  t.regex(argv1[argv1.indexOf('--server') + 1]!, /^unix:/, "host1's agent keeps the socket");
  t.true(isReady(await s.client.get<Node>(types.nodes, 'node2')));
  // The overlay carries the agent's traffic: with host2's transit link cut, its lease (renewed every 2 s) stands still.
  const lease = async () => (await s.client.get<Lease>(types.leases, 'node2', 'kube-node-lease')).spec?.renewTime;
  const transit = ['-n', plan.overlay!.transitNetns, 'link', 'set', 'host2'];
  await execa(systemTool('ip'), [...transit, 'down']);
  let frozen: string | undefined;
  try {
    await sleep(1000); // a renewal already at the API server lands
    frozen = await lease();
    await sleep(5000);
    t.is(await lease(), frozen, "no lease renewal while host2's link is down");
  } finally {
    await execa(systemTool('ip'), [...transit, 'up']);
  }
  await waitFor('node2 renews its lease again', async () => ((await lease()) !== frozen ? true : undefined), 20_000);
});

it.serial('pod to pod across hosts: client2 (host2) reaches web1 (host1) and client1 reaches web2, each seeing the real pod address', async (t) => {
  const there = await requests(s.name, { pod: 'client2' }, `${podIP.get('web1')}:8080`, 5);
  t.deepEqual(failures(there), []);
  t.deepEqual(pods(there), ['web1']);
  t.deepEqual([...new Set(there.map((a) => a.client))], [podIP.get('client2')]);
  const back = await requests(s.name, { pod: 'client1' }, `${podIP.get('web2')}:8080`, 5);
  t.deepEqual(failures(back), []);
  t.deepEqual(pods(back), ['web2']);
});

it.serial('ClusterIP across hosts: from a host2 pod, a service whose only backend is on host1', async (t) => {
  const answers = await requests(s.name, { pod: 'client2' }, `${h1.spec.clusterIP}:80`, 10);
  t.deepEqual(failures(answers), []);
  t.deepEqual(pods(answers), ['web1']);
});
