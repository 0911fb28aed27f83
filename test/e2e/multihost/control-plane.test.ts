// A control plane spread over three simulated hosts on etcd (lab up --hosts 3 --store etcd):
// one etcd member and one API server replica per host, a leader-elected controller-manager,
// and agents that use their own host's replica first.
//
//   host1: node1, etcd, apiserver (127.0.0.1, api.sock)    host2: node2, etcd-host2, apiserver-host2
//   host3: node3, etcd-host3, apiserver-host3              web1 on node1, web2 on node3
//
// A killed member or replica is held down (the supervisor would restart it at once, as a real
// machine's systemd would): what the test plays is a machine whose process stays down.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import YAML from 'yaml';
import { isReady } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Lease, Node, Pod, Service } from '../../../src/api/types.js';
import type { ApiClient } from '../../../src/client/client.js';
import { paths, readState } from '../../../src/lab/state.js';
import type { LabPlan } from '../../../src/lab/plan.js';
import { systemTool } from '../../../src/net/tools.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { portRef } from '../dataplane/layout.js';
import { dnatTargets } from '../dataplane/rules.js';

const it = e2e(test);
const name = labName('cp');
const mode = 'iptables';
const grace = 6;
let client: ApiClient;
let before: string[];
let plan: LabPlan;
let cacheDir: string;
const podIP = new Map<string, string>();

const pod = (podName: string, node: string, labels: Record<string, string>): Pod =>
  ({ metadata: { name: podName, labels }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/hello' }] } }) as Pod;

/** The real kubectl, as the lab admin, against host k's replica on that host's own address (run in the host's namespace). */
async function kubectlOn(host: number, args: string[], input?: string): Promise<string> {
  const h = plan.overlay!.hosts[host - 1]!;
  const argv = ['netns', 'exec', h.netns, '/usr/bin/kubectl', '--kubeconfig', paths.kubeconfig(name), '--cache-dir', cacheDir, '--server', `https://${h.ip}:6443`, ...args];
  const r = await execa(systemTool('ip'), argv, { reject: false, input });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} on host${host}: ${r.stderr}`);
  return String(r.stdout);
}

async function etcdctl(...args: string[]): Promise<string> {
  const r = await lab(['etcdctl', '--name', name, '--', ...args]);
  if (r.exitCode !== 0) throw new Error(String(r.all));
  return String(r.stdout);
}

/** SIGKILLs a component and keeps the supervisor from starting it again until the returned function runs. */
async function killHeld(component: string): Promise<() => Promise<void>> {
  const hold = paths.hold(name, component);
  fs.mkdirSync(path.dirname(hold), { recursive: true });
  fs.writeFileSync(hold, '');
  const pid = componentPid(name, component)!;
  process.kill(pid, 'SIGKILL');
  await waitFor(`${component} gone`, () => componentPid(name, component) === undefined, 10_000, 50);
  return async () => {
    fs.rmSync(hold, { force: true });
    await waitFor(`${component} back`, () => componentPid(name, component) !== undefined, 10_000, 50);
  };
}

async function rulesOn(node: string, svc: Service, want: string[]): Promise<void> {
  await waitFor(`${node} sends ${svc.metadata.name} to ${want.join(' ')}`, async () => JSON.stringify(await dnatTargets(name, mode, node, portRef(svc))) === JSON.stringify(want), 30_000, 200);
}

async function runningPod(p: Pod): Promise<void> {
  await client.create(types.pods, p, 'default');
  const ready = await waitFor(`pod ${p.metadata.name} Ready`, async () => {
    const got = await client.get<Pod>(types.pods, p.metadata.name!, 'default');
    return got.status?.phase === 'Running' && isReady(got) ? got : undefined;
  }, 60_000, 100);
  podIP.set(p.metadata.name!, ready.status!.podIP!);
}

it.before(async (t) => {
  before = await hostSnapshot(name);
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-cp-kubectl-'));
  const up = await lab(['up', '--name', name, '--nodes', '3', '--hosts', '3', '--store', 'etcd', '--proxy-mode', mode, '--node-grace-period', String(grace)]);
  t.is(up.exitCode, 0, String(up.all));
  plan = readState(name)!.plan;
  client = clientFor(name);
  await runningPod(pod('web1', 'node1', { app: 'web' }));
});

it.after.always(async (t) => {
  client?.close();
  fs.rmSync(path.join(paths.logs(name), '..', 'hold'), { recursive: true, force: true });
  const down = await lab(['down', '--name', name]);
  t.is(down.exitCode, 0, String(down.all));
  fs.rmSync(cacheDir, { recursive: true, force: true });
  t.deepEqual(await hostSnapshot(name), before, 'lab down leaves the host exactly as before');
});

it.serial('three etcd members on the hosts\' addresses, and what one replica writes the others read', async (t) => {
  const members = (JSON.parse(await etcdctl('member', 'list', '-w', 'json')) as { members: { name: string; clientURLs: string[] }[] }).members;
  t.deepEqual(members.map((m) => [m.name, m.clientURLs]).sort(), plan.overlay!.hosts.map((h) => [h.name, [`https://${h.ip}:2379`]]));
  // Started members have a name (one that never joined has none).
  t.true(members.every((m) => m.name !== ''));
  await kubectlOn(2, ['create', 'configmap', 'from-host2', '--from-literal=k=v2']);
  t.is(await kubectlOn(3, ['get', 'configmap', 'from-host2', '-o', 'jsonpath={.data.k}']), 'v2');
  t.is((await client.get(types.configmaps, 'from-host2', 'default')).metadata.name, 'from-host2');
  t.regex(await etcdctl('get', '/registry/configmaps/default/from-host2', '--keys-only'), /from-host2/);
  // One controller-manager leads; the others wait on the Lease.
  const lease = await client.get<Lease>(types.leases, 'kube-controller-manager', 'kube-system');
  t.regex(lease.spec?.holderIdentity ?? '', /^host[123]$/);
  const leads = ['controller-manager', 'controller-manager-host2', 'controller-manager-host3'].filter((c) => /\bleads$/m.test(fs.readFileSync(path.join(paths.logs(name), `${c}.log`), 'utf8')));
  t.deepEqual(leads, [lease.spec?.holderIdentity === 'host1' ? 'controller-manager' : `controller-manager-${lease.spec?.holderIdentity}`]);
});

it.serial('Services created at once through two replicas never share a cluster IP or nodePort', async (t) => {
  const svc = (n: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: n, namespace: 'default' }, spec: { type: 'NodePort', selector: { app: n }, ports: [{ port: 80 }] } });
  const viaHost2 = Array.from({ length: 15 }, (_, i) => svc(`b${i}`));
  const [host1] = await Promise.all([
    Promise.all(Array.from({ length: 15 }, (_, i) => client.create<Service>(types.services, svc(`a${i}`), 'default'))),
    kubectlOn(2, ['create', '-f', '-'], viaHost2.map((s) => YAML.stringify(s)).join('---\n')),
  ]);
  const all = (await client.list<Service>(types.services)).items;
  const created = all.filter((s) => /^[ab]\d+$/.test(s.metadata.name!));
  t.is(created.length, 30);
  t.is(host1.length, 15);
  const ips = all.map((s) => s.spec.clusterIP).filter((ip): ip is string => !!ip && ip !== 'None');
  t.is(new Set(ips).size, ips.length, 'every cluster IP once');
  const ports = created.map((s) => s.spec.ports![0]!.nodePort);
  t.is(new Set(ports).size, 30, 'every nodePort once');
  // Each held once in etcd, under /registry/ranges/.
  const held = (await etcdctl('get', '--prefix', '/registry/ranges/serviceips/', '--keys-only')).split('\n').filter(Boolean);
  t.deepEqual(held.map((k) => k.slice(k.lastIndexOf('/') + 1)).sort(), [...ips].sort());
  await Promise.all(created.map((s) => client.delete(types.services, s.metadata.name!, 'default')));
});

it.serial('one etcd member of three killed: the API keeps serving reads and writes, and an endpoint change reaches the nodes\' rules', async (t) => {
  const back = await killHeld('etcd-host3');
  try {
    // Each member through its local socket (the members' https URLs are on the hosts' transit network).
    const health = await lab(['etcdctl', '--name', name, '--', 'endpoint', 'health']);
    t.regex(String(health.all), /etcd\/host3\/client:2379 is unhealthy/);
    t.regex(String(health.all), /etcd\/host1\/client:2379 is healthy/);
    // Writes need a quorum: two of three is one.
    const web = await client.create<Service>(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as Service, 'default');
    t.is(await kubectlOn(3, ['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']), web.spec.clusterIP!, 'host3\'s replica serves through the other members');
    await rulesOn('node2', web, [`${podIP.get('web1')}:8080`]);
    await runningPod(pod('web2', 'node3', { app: 'web' }));
    await rulesOn('node1', web, [`${podIP.get('web1')}:8080`, `${podIP.get('web2')}:8080`].sort());
  } finally {
    await back();
  }
  await waitFor('etcd-host3 healthy again', async () => (await lab(['etcdctl', '--name', name, '--', 'endpoint', 'health'])).exitCode === 0, 30_000, 500);
  t.pass();
});

it.serial('one API server replica killed: its host\'s agent fails over, keeps its node Ready and its rules following', async (t) => {
  const web = await client.get<Service>(types.services, 'web', 'default');
  const back = await killHeld('apiserver-host2');
  try {
    const renewed = async (): Promise<string | undefined> => (await client.get<Lease>(types.leases, 'node2', 'kube-node-lease')).spec?.renewTime;
    const first = await renewed();
    await waitFor('node2\'s lease renewed through another replica', async () => (await renewed()) !== first, 30_000, 500);
    // Past the grace period: still Ready.
    await new Promise((r) => setTimeout(r, (grace + 2) * 1000));
    t.true(isReady(await client.get<Node>(types.nodes, 'node2')), 'node2 Ready');
    await client.delete(types.pods, 'web1', 'default', { gracePeriodSeconds: 0 });
    await rulesOn('node2', web, [`${podIP.get('web2')}:8080`]);
  } finally {
    await back();
  }
  await waitFor('apiserver-host2 serving again', async () => (await kubectlOn(2, ['get', 'service', 'web', '-o', 'name']).catch(() => '')) === 'service/web', 30_000, 500);
  t.pass();
});

it.serial('the leading controller-manager killed: another takes the Lease once it expires, and the controllers go on', async (t) => {
  const web = await client.get<Service>(types.services, 'web', 'default');
  const leader = (await client.get<Lease>(types.leases, 'kube-controller-manager', 'kube-system')).spec!.holderIdentity!;
  const back = await killHeld(leader === 'host1' ? 'controller-manager' : `controller-manager-${leader}`);
  try {
    const next = await waitFor('a new leader', async () => {
      const holder = (await client.get<Lease>(types.leases, 'kube-controller-manager', 'kube-system')).spec?.holderIdentity;
      return holder !== leader ? holder : undefined;
    }, 40_000, 500);
    t.regex(next, /^host[123]$/);
    // The endpoints controller of the new leader puts a new pod into the rules.
    await runningPod(pod('web3', 'node2', { app: 'web' }));
    await rulesOn('node1', web, [`${podIP.get('web2')}:8080`, `${podIP.get('web3')}:8080`].sort());
  } finally {
    await back();
  }
});
