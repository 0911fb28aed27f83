// A lab spread over two simulated hosts (lab up --hosts 2): namespaces linked only
// by a routed transit network, one VXLAN node network between their switches.
//
//   host1: node1 (web1, client1, big), node3        host2: node2 (web2, client2)
//
// Service web selects web1 and web2 (one per host), h1 only web1.
import test from 'ava';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Node, Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { readState } from '../../../src/lab/state.js';
import type { LabPlan } from '../../../src/lab/plan.js';
import { systemTool } from '../../../src/net/tools.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { portRef } from '../dataplane/layout.js';
import { dnatTargets } from '../dataplane/rules.js';
import { failures, pods, requests, runOn } from '../dataplane/traffic.js';

const it = e2e(test);
const name = labName('mh');
const mode = 'iptables';
const outside = { host: 'outside' };
let client: ApiClient;
let before: string[];
let plan: LabPlan;
const podIP = new Map<string, string>();
const services = new Map<string, Service>();

// 4 MiB of a fixed pattern, served by a pod on host1 (pods run the host's node binary).
const bigBytes = 4 << 20;
const bigServer = `const b=Buffer.alloc(${bigBytes});for(let i=0;i<b.length;i++)b[i]=(i*7+(i>>12))&255;require('http').createServer((q,s)=>{s.writeHead(200,{'content-length':b.length});s.end(b)}).listen(8080)`;
const bigHash = (() => {
  const b = Buffer.alloc(bigBytes);
  for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 12)) & 255;
  return createHash('sha256').update(b).digest('hex');
})();

const pod = (podName: string, node: string, image: string, labels: Record<string, string> = {}, command?: string[]): Pod =>
  ({ metadata: { name: podName, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, ...(command ? { command } : {}) }] } }) as Pod;

async function sh(ns: string, argv: string[]): Promise<string> {
  const r = await execa(systemTool('ip'), ['netns', 'exec', ns, ...argv], { reject: false });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} in ${ns}: ${r.stderr}`);
  return String(r.stdout);
}

async function inPod(podName: string, argv: string[]): Promise<string> {
  const r = await runOn(name, { pod: podName }, argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} in ${podName} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

const nodeIP = (node: string): string => plan.nodes.find((n) => n.name === node)!.ip;
const ep = (p: string): string => `${podIP.get(p)}:8080`;

async function nodeReady(node: string, ready: boolean, timeoutMs = 30_000): Promise<void> {
  await waitFor(`${node} ${ready ? 'Ready' : 'NotReady'}`, async () => isReady(await client.get<Node>(types.nodes, node)) === ready, timeoutMs, 200);
}

/** Every node in `nodes` sends web's cluster IP to exactly these endpoints. */
async function webRules(nodes: string[], want: string[]): Promise<void> {
  const p = portRef(services.get('web')!);
  await waitFor(`${nodes.join(', ')} send web to ${want.join(' ')}`, async () => {
    for (const n of nodes) if (JSON.stringify(await dnatTargets(name, mode, n, p)) !== JSON.stringify(want)) return false;
    return true;
  }, 30_000, 200);
}

it.before(async (t) => {
  before = await hostSnapshot(name);
  const up = await lab(['up', '--name', name, '--nodes', '3', '--hosts', '2', '--proxy-mode', mode, '--node-grace-period', '4']);
  t.is(up.exitCode, 0, String(up.all));
  plan = readState(name)!.plan;
  client = clientFor(name);
  const podList = [
    pod('web1', 'node1', 'lab/hello', { app: 'web', side: 'h1' }),
    pod('web2', 'node2', 'lab/hello', { app: 'web' }),
    pod('client1', 'node1', 'lab/toolbox'),
    pod('client2', 'node2', 'lab/toolbox'),
    pod('big', 'node1', 'lab/toolbox', {}, [process.execPath, '-e', bigServer]),
  ];
  const svcs = [
    { metadata: { name: 'web' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } },
    { metadata: { name: 'h1' }, spec: { selector: { side: 'h1' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } },
  ] as Service[];
  await Promise.all([...podList.map((p) => client.create(types.pods, p, 'default')), ...svcs.map((s) => client.create(types.services, s, 'default'))]);
  for (const p of podList) {
    const ready = await waitFor(`pod ${p.metadata.name} Ready`, async () => {
      const got = await client.get<Pod>(types.pods, p.metadata.name!, 'default');
      return got.status?.phase === 'Running' && isReady(got) ? got : undefined;
    }, 30_000, 100);
    podIP.set(p.metadata.name!, ready.status!.podIP!);
  }
  for (const s of (await client.list<Service>(types.services, 'default')).items) services.set(s.metadata.name!, s);
  await webRules(['node1', 'node2', 'node3'], [ep('web1'), ep('web2')].sort());
});

it.after.always(async (t) => {
  client?.close();
  const down = await lab(['down', '--name', name]);
  t.is(down.exitCode, 0, String(down.all));
  t.deepEqual(await hostSnapshot(name), before, 'lab down leaves the host exactly as before');
});

it.serial('the topology: hosts on their own transit addresses, a VXLAN (VNI of the lab, UDP 4789 in the host namespaces only) bridged into each switch', async (t) => {
  const o = plan.overlay!;
  t.deepEqual(plan.nodes.map((n) => [n.name, n.host]), [['node1', 'host1'], ['node2', 'host2'], ['node3', 'host1']]);
  for (const h of o.hosts) {
    const vx = JSON.parse(await sh(h.switchNetns, [systemTool('ip'), '-d', '-j', 'link', 'show', 'vxlan0']))[0];
    t.is(vx.linkinfo.info_kind, 'vxlan');
    t.is(vx.linkinfo.info_data.id, o.vni);
    t.is(vx.linkinfo.info_data.local, h.ip, `${h.name}: outer packets from the host's own address`);
    t.is(vx.linkinfo.info_data.port, 4789);
    t.is(vx.mtu, 1450);
    t.is(vx.master, 'br-nodes');
    const fdb = await sh(h.switchNetns, [systemTool('bridge'), 'fdb', 'show', 'dev', 'vxlan0']);
    const remotes = o.hosts.filter((x) => x !== h).map((x) => x.ip);
    t.deepEqual([...fdb.matchAll(/^00:00:00:00:00:00 dst (\S+)/gm)].map((m) => m[1]), remotes, `${h.name}: one flood entry per other host`);
    t.regex(await sh(h.netns, ['ss', '-Hlun', 'sport', '= :4789']), /:4789/, `${h.name}: the overlay's socket is in the host namespace`);
    t.is((await sh(h.switchNetns, ['ss', '-Hlun', 'sport', '= :4789'])).trim(), '', `${h.name}: not in the switch`);
  }
  // The host namespaces reach each other only through the transit router: one routed hop.
  const ttl1 = await execa(systemTool('ip'), ['netns', 'exec', o.hosts[1]!.netns, 'ping', '-c1', '-W2', '-t', '1', o.hosts[0]!.ip], { reject: false });
  t.regex(String(ttl1.stdout), new RegExp(`From ${o.hosts[1]!.gateway.replaceAll('.', '\\.')} .*Time to live exceeded`), 'with TTL 1 the packet dies at the transit router');
  t.regex(await sh(o.hosts[1]!.netns, ['ping', '-c1', '-W2', o.hosts[0]!.ip]), /1 received/);
  // Every node-network link and pod interface carries the overlay's MTU.
  for (const n of plan.nodes) t.is(JSON.parse(await sh(n.netns, [systemTool('ip'), '-j', 'link', 'show', 'eth0']))[0].mtu, 1450, `${n.name} eth0`);
  t.is(JSON.parse(await inPod('client2', [systemTool('ip'), '-j', 'link', 'show', 'eth0']))[0].mtu, 1450, 'client2 eth0');
  t.is(JSON.parse(await sh(plan.routerNetns, [systemTool('ip'), '-j', 'link', 'show', 'eth0']))[0].mtu, 1450, 'router eth0');
});

it.serial('pod to pod across hosts: client2 (host2) reaches web1 (host1) directly, its own address seen', async (t) => {
  const answers = await requests(name, { pod: 'client2' }, ep('web1'), 5);
  t.deepEqual(failures(answers), []);
  t.deepEqual(pods(answers), ['web1']);
  t.deepEqual([...new Set(answers.map((a) => a.client))], [podIP.get('client2')]);
  const back = await requests(name, { pod: 'client1' }, ep('web2'), 5);
  t.deepEqual(pods(back), ['web2'], 'and the other way');
});

it.serial('ClusterIP across hosts: from a host2 pod, a service whose only backend is on host1', async (t) => {
  const answers = await requests(name, { pod: 'client2' }, `${services.get('h1')!.spec.clusterIP}:80`, 20);
  t.deepEqual(failures(answers), []);
  t.deepEqual(pods(answers), ['web1']);
});

it.serial("NodePort on host2's node from the outside namespace reaches both hosts' pods", async (t) => {
  const port = services.get('web')!.spec.ports![0]!.nodePort!;
  const answers = await requests(name, outside, `${nodeIP('node2')}:${port}`, 40);
  t.deepEqual(failures(answers), []);
  t.deepEqual(pods(answers), ['web1', 'web2']);
});

it.serial('DNS from a host2 pod: the cluster DNS answers service names and forwards outside names', async (t) => {
  t.is((await inPod('client2', ['dig', '+short', '+search', 'h1'])).trim(), services.get('h1')!.spec.clusterIP!);
  t.is((await inPod('client2', ['dig', '+short', 'www.example.com'])).trim(), plan.external.ip, "the lab's upstream answers through the cluster DNS");
  const answers = await requests(name, { pod: 'client2' }, 'web.default.svc.cluster.local', 10);
  t.deepEqual(failures(answers), []);
  t.deepEqual(pods(answers), ['web1', 'web2']);
});

it.serial('big packets: a full-MTU ping crosses with DF set, one byte more is refused at the pod; 4 MiB over HTTP arrive intact', async (t) => {
  // 1450 - 20 (IP) - 8 (ICMP) = 1422 bytes of payload.
  t.regex(await inPod('client2', ['ping', '-c', '3', '-W', '2', '-M', 'do', '-s', '1422', podIP.get('web1')!]), /3 received/);
  const over = await runOn(name, { pod: 'client2' }, ['ping', '-c', '1', '-W', '2', '-M', 'do', '-s', '1423', podIP.get('web1')!]);
  t.not(over.exitCode, 0);
  t.regex(over.stdout + over.stderr, /message too long|mtu=1450/i);
  // Node to node too (the node network itself).
  t.regex(await sh(plan.nodes[1]!.netns, ['ping', '-c', '3', '-W', '2', '-M', 'do', '-s', '1422', nodeIP('node1')]), /3 received/);
  const got = await inPod('client2', ['sh', '-c', `curl -sS --max-time 30 http://${ep('big')}/ | sha256sum`]);
  t.is(got.split(' ')[0], bigHash, '4 MiB from host1 to host2, same bytes');
});

it.serial("the overlay link cut: host2's node goes NotReady, its endpoint leaves host1's rules, traffic goes on to web1; link back heals", async (t) => {
  const o = plan.overlay!;
  const port = services.get('web')!.spec.ports![0]!.nodePort!;
  // The transit router's side of host2's link: the cable pulled at the far end, host2's own routes untouched.
  await sh(o.transitNetns, [systemTool('ip'), 'link', 'set', 'host2', 'down']);
  try {
    await nodeReady('node2', false);
    t.true(isReady(await client.get<Node>(types.nodes, 'node1')) && isReady(await client.get<Node>(types.nodes, 'node3')), "host1's nodes stay Ready");
    await webRules(['node1', 'node3'], [ep('web1')]);
    const cluster = await requests(name, { pod: 'client1' }, `${services.get('web')!.spec.clusterIP}:80`, 20);
    t.deepEqual(failures(cluster), []);
    t.deepEqual(pods(cluster), ['web1']);
    const fromOutside = await requests(name, outside, `${nodeIP('node3')}:${port}`, 20);
    t.deepEqual(failures(fromOutside), []);
    t.deepEqual(pods(fromOutside), ['web1']);
  } finally {
    await sh(o.transitNetns, [systemTool('ip'), 'link', 'set', 'host2', 'up']);
  }
  await nodeReady('node2', true);
  await webRules(['node1', 'node2', 'node3'], [ep('web1'), ep('web2')].sort());
  const healed = await requests(name, outside, `${nodeIP('node1')}:${port}`, 40);
  t.deepEqual(failures(healed), []);
  t.deepEqual(pods(healed), ['web1', 'web2']);
});
