// The IPVS backend alone, in throwaway namespaces with real packets (the rig of
// ../proxy-backends/traffic.ts): what it loads into the kernel, the
// schedulers' behaviour, graceful removal, drift repair and cleanup.
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { IpvsBackend } from '../../../src/agent/proxy/ipvs/backend.js';
import { serviceKey, type ServicePort } from '../../../src/agent/proxy/model.js';
import { waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { endpoint, servicePort } from '../../unit/agent/proxy/fixtures.js';
import { inNs, inside, removeLeftoverNetns, sh } from '../proxy-backends/netns.js';
import { buildRig, connect, type Rig } from '../proxy-backends/traffic.js';
import { whenIpvs } from './kernel.js';

const holdPort = 9090;
// In the pods namespace: answers a connection with the address it was made to, then echoes until closed.
const holdServer = `require('net').createServer((c) => { c.on('error', () => {}); c.write(c.localAddress + '\\n'); c.pipe(c); }).listen(${holdPort}, '0.0.0.0', () => console.log('ready'));`;
// In the client namespace: count short connections, each closed once the first line came: who answered.
const firstLines = `
const [host, port, count] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  const s = require('net').connect({ host, port: Number(port) });
  s.setTimeout(5000, () => { s.destroy(); resolve('ETIMEDOUT'); });
  s.on('error', (e) => resolve(e.code));
  s.setEncoding('utf8').once('data', (d) => { s.end(); resolve(d.split('\\n')[0]); });
});
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await once()); console.log(JSON.stringify(out)); })();
`;
// In the client namespace: one long-lived connection; stdin lines are sent, "reset" aborts it with a RST.
const holdClient = `
const s = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setEncoding('utf8');
s.on('data', (d) => process.stdout.write(d));
s.on('error', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (l) => (l.trim() === 'reset' ? s.resetAndDestroy() : s.write(l)));
`;

const web = (eps: string[], over: Partial<ServicePort> = {}): ServicePort =>
  servicePort({ name: 'web', clusterIP: '10.96.0.20', nodePort: 30080, endpoints: eps.map((ip) => endpoint(ip, { port: 8080 })), ...over });
const hold = (eps: string[], over: Partial<ServicePort> = {}): ServicePort =>
  servicePort({ name: 'hold', clusterIP: '10.96.0.40', port: holdPort, endpoints: eps.map((ip) => endpoint(ip, { port: holdPort })), ...over });
const empty = servicePort({ name: 'empty', clusterIP: '10.96.0.30' });

async function rigWithHoldServer(t: ExecutionContext): Promise<Rig> {
  const rig = await buildRig(t);
  const server = spawn('ip', ['netns', 'exec', rig.pods, process.execPath, '-e', holdServer], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void server.kill('SIGKILL'));
  await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
  return rig;
}

/** A long-lived connection from the client namespace; resolves with it and the backend address that answered. */
async function holdConnection(t: ExecutionContext, rig: Rig, ip: string): Promise<{ client: ChildProcessWithoutNullStreams; backend: string; lines: string[] }> {
  const client = spawn('ip', ['netns', 'exec', rig.client, process.execPath, '-e', holdClient, ip, String(holdPort)]);
  t.teardown(() => void client.kill('SIGKILL'));
  const lines: string[] = [];
  client.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n').filter(Boolean)));
  const backend = await waitFor('the long-lived connection to answer', () => lines[0], 10_000);
  return { client, backend, lines };
}

/** Who answered each of count short connections to the hold server. */
async function shortConnections(rig: Rig, ip: string, count: number): Promise<string[]> {
  return JSON.parse(await sh('ip', ['netns', 'exec', rig.client, process.execPath, '-e', firstLines, ip, String(holdPort), String(count)])) as string[];
}

const backends = (replies: Array<{ reply?: string }>): string[] => replies.map((r) => r.reply?.split(' ')[0] ?? 'failed');
const count = (items: string[]): Map<string, number> => items.reduce((m, i) => m.set(i, (m.get(i) ?? 0) + 1), new Map<string, number>());
const ipvsadm = (rig: Rig, args: string[]): Promise<string> => inside(rig.node, 'ipvsadm', args);
/** `ipvsadm -Ln` of one TCP service: "ip:port weight active inactive" per real server. */
async function reals(rig: Rig, vip: string): Promise<string[]> {
  const out = await ipvsadm(rig, ['-Ln', '-t', vip]);
  return [...out.matchAll(/->\s+(\S+)\s+Masq\s+(\d+)\s+(\d+)\s+(\d+)/g)].map((m) => `${m[1]} w${m[2]} a${m[3]} i${m[4]}`).sort();
}

await whenIpvs(test, () => {
  const it = e2e(test);
  it.after.always(removeLeftoverNetns);

  it.serial('the IPVS backend binds service IPs to kube-ipvs0, adds one virtual server per service port with masquerading real servers, fills the ipsets and the iptables helpers; a second sync changes nothing', async (t) => {
    const rig = await buildRig(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node) });
    const services = [web(rig.endpointIPs), empty];
    await backend.sync({ node: rig.nodeInfo, services });

    t.deepEqual((await ipvsadm(rig, ['-Sn'])).trim().split('\n').sort(), [
      '-A -t 10.96.0.20:80 -s rr',
      '-A -t 10.96.0.30:80 -s rr',
      '-A -t 192.168.77.1:30080 -s rr',
      ...['10.96.0.20:80', '192.168.77.1:30080'].flatMap((vip) => rig.endpointIPs.map((ip) => `-a -t ${vip} -r ${ip}:8080 -m -w 1`)),
    ].sort());
    const addrs = await inside(rig.node, 'ip', ['-o', '-4', 'addr', 'show', 'dev', 'kube-ipvs0']);
    t.deepEqual([...addrs.matchAll(/inet (\S+)/g)].map((m) => m[1]).sort(), ['10.96.0.20/32', '10.96.0.30/32']);
    const members = async (set: string): Promise<string[]> => (await inside(rig.node, 'ipset', ['list', set])).split('Members:\n')[1]!.trim().split('\n').filter(Boolean).sort();
    t.deepEqual(await members('KUBE-CLUSTER-IP'), ['10.96.0.20,tcp:80', '10.96.0.30,tcp:80']);
    t.deepEqual(await members('KUBE-NODE-PORT-TCP'), ['30080']);
    t.deepEqual(await members('KUBE-LOOP-BACK'), rig.endpointIPs.map((ip) => `${ip},tcp:8080,${ip}`).sort());
    // As iptables-save prints them back: what the backend wrote, in the kernel.
    const nat = (await inside(rig.node, 'iptables-save', ['-t', 'nat'])).split('\n');
    for (const rule of [
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ',
      '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
      '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
    ]) {
      t.true(nat.includes(rule), `${rule}\nnot in:\n${nat.join('\n')}`);
    }
    t.is(await inside(rig.node, 'sysctl', ['-n', 'net.ipv4.vs.conntrack']), '1\n');
    t.false(await backend.tampered());

    const saved = await ipvsadm(rig, ['-Sn']);
    const again = await backend.sync({ node: rig.nodeInfo, services, changed: new Set() });
    t.is(again.rulesWritten, 0, 'a partial sync with nothing changed writes nothing');
    await new IpvsBackend({ exec: inNs(rig.node) }).sync({ node: rig.nodeInfo, services });
    t.is(await ipvsadm(rig, ['-Sn']), saved, 'a restarted backend finds everything in place');
  });

  it.serial('real traffic: round robin spreads evenly and masquerades off-cluster clients, sh keeps a client on one backend, a service without endpoints refuses', async (t) => {
    const rig = await buildRig(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node) });
    const hashed = web(rig.endpointIPs, { name: 'hashed', clusterIP: '10.96.0.21', nodePort: 0, scheduler: 'sh' });
    await backend.sync({ node: rig.nodeInfo, services: [web(rig.endpointIPs), hashed, empty] });

    const spread = await connect(rig, '10.96.0.20', 80, 9);
    t.deepEqual([...count(backends(spread))].sort(), rig.endpointIPs.map((ip) => [ip, 3]), 'rr: 3 each');
    t.deepEqual([...new Set(spread.map((r) => r.reply?.split(' ')[1]))], ['10.244.1.1'], 'the client is outside the cluster CIDR: masqueraded to the node');
    const viaNodePort = await connect(rig, '192.168.77.1', 30080, 3);
    t.deepEqual(backends(viaNodePort).sort(), rig.endpointIPs);

    t.regex(await ipvsadm(rig, ['-Ln', '-t', '10.96.0.21:80']), /TCP\s+10\.96\.0\.21:80 sh/);
    const stuck = await connect(rig, '10.96.0.21', 80, 10);
    t.is(new Set(backends(stuck)).size, 1, `sh: one client, one backend (${backends(stuck).join(' ')})`);
    t.not(backends(stuck)[0], 'failed');

    t.deepEqual((await connect(rig, '10.96.0.30', 80, 1))[0], { error: 'ECONNREFUSED' });
  });

  it.serial('lc: a long-lived connection to one backend sends the next connections to the others', async (t) => {
    const rig = await rigWithHoldServer(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node), scheduler: 'lc' });
    await backend.sync({ node: rig.nodeInfo, services: [hold(rig.endpointIPs)] });
    t.regex(await ipvsadm(rig, ['-Ln', '-t', `10.96.0.40:${holdPort}`]), /TCP\s+10\.96\.0\.40:9090 lc/, 'the lab default scheduler');
    const held = await holdConnection(t, rig, '10.96.0.40');
    const next = await shortConnections(rig, '10.96.0.40', 6);
    t.false(next.includes(held.backend), `none of ${next.join(' ')} went to ${held.backend}, busy with the long connection`);
    t.deepEqual([...new Set(next)].sort(), rig.endpointIPs.filter((ip) => ip !== held.backend));
  });

  it.serial('ClientIP affinity is a persistent virtual server with the service timeout: one client stays on one backend', async (t) => {
    const rig = await buildRig(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node) });
    await backend.sync({ node: rig.nodeInfo, services: [web(rig.endpointIPs, { sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 30 })] });
    t.regex(await ipvsadm(rig, ['-Ln', '-t', '10.96.0.20:80']), /TCP\s+10\.96\.0\.20:80 rr persistent 30/);
    const answers = backends(await connect(rig, '10.96.0.20', 80, 10));
    t.is(new Set(answers).size, 1, answers.join(' '));
    // The persistence template: client IP (port 0) -> the chosen backend, counting down from the timeout.
    const template = new RegExp(`TCP (\\d\\d):(\\d\\d)\\s+\\S+\\s+192\\.168\\.77\\.2:0\\s+10\\.96\\.0\\.20:80\\s+${answers[0]!.replaceAll('.', '\\.')}:8080`);
    const entries = await ipvsadm(rig, ['-Lnc']);
    const m = template.exec(entries);
    t.truthy(m, `a persistence template for the client in:\n${entries}`);
    t.true(Number(m![1]) * 60 + Number(m![2]) <= 30);
  });

  it.serial('a removed endpoint is drained: weight 0 while its connection lives, new connections avoid it, deleted once the connection is gone', async (t) => {
    const rig = await rigWithHoldServer(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node) });
    const node = rig.nodeInfo;
    await backend.sync({ node, services: [hold(rig.endpointIPs)] });
    const held = await holdConnection(t, rig, '10.96.0.40');
    const rest = rig.endpointIPs.filter((ip) => ip !== held.backend);
    const svc = hold(rest);
    await backend.sync({ node, services: [svc], changed: new Set([serviceKey(svc)]) });
    t.deepEqual(await reals(rig, `10.96.0.40:${holdPort}`), [`${held.backend}:${holdPort} w0 a1 i0`, ...rest.map((ip) => `${ip}:${holdPort} w1 a0 i0`)].sort());
    const next = await shortConnections(rig, '10.96.0.40', 4);
    t.false(next.includes(held.backend), next.join(' '));
    t.deepEqual([...new Set(next)].sort(), rest);
    held.client.stdin.write('still there?\n');
    await waitFor('the drained connection to keep working', () => held.lines.includes('still there?'), 5000);

    await backend.sync({ node, services: [svc] });
    t.true((await reals(rig, `10.96.0.40:${holdPort}`)).includes(`${held.backend}:${holdPort} w0 a1 i0`), 'a full sync keeps it while the connection is open');
    held.client.stdin.write('reset\n');
    // After the RST the connection lingers in IPVS's CLOSE state (10 s), then the next full sync deletes the real server.
    await waitFor('the drained real server to be deleted', async () => {
      await backend.sync({ node, services: [svc] });
      return !(await reals(rig, `10.96.0.40:${holdPort}`)).some((r) => r.startsWith(`${held.backend}:`));
    }, 40_000, 2000);
    t.deepEqual((await reals(rig, `10.96.0.40:${holdPort}`)).map((r) => r.split(' ')[0]), rest.map((ip) => `${ip}:${holdPort}`).sort());
  });

  it.serial('a full sync repairs drift (a deleted virtual server, real server, address and set member) and tampered() notices it first', async (t) => {
    const rig = await buildRig(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node) });
    const services = [web(rig.endpointIPs), empty];
    await backend.sync({ node: rig.nodeInfo, services });
    const saved = await ipvsadm(rig, ['-Sn']);
    await ipvsadm(rig, ['-D', '-t', '10.96.0.20:80']);
    await ipvsadm(rig, ['-d', '-t', '192.168.77.1:30080', '-r', `${rig.endpointIPs[0]}:8080`]);
    await inside(rig.node, 'ip', ['addr', 'del', '10.96.0.30/32', 'dev', 'kube-ipvs0']);
    await inside(rig.node, 'ipset', ['del', 'KUBE-CLUSTER-IP', '10.96.0.30,tcp:80']);
    t.true(await backend.tampered());
    await backend.sync({ node: rig.nodeInfo, services });
    t.is(await ipvsadm(rig, ['-Sn']), saved);
    t.true((await inside(rig.node, 'ip', ['-o', 'addr', 'show', 'dev', 'kube-ipvs0'])).includes('10.96.0.30/32'));
    t.true((await inside(rig.node, 'ipset', ['test', 'KUBE-CLUSTER-IP', '10.96.0.30,tcp:80']).then(() => true, () => false)));
    t.false(await backend.tampered());
    t.deepEqual(backends(await connect(rig, '10.96.0.20', 80, 3)).sort(), rig.endpointIPs);
  });

  it.serial('cleanup removes kube-ipvs0, the IPVS table, the ipsets and every KUBE chain', async (t) => {
    const rig = await buildRig(t);
    const backend = new IpvsBackend({ exec: inNs(rig.node) });
    await backend.sync({ node: rig.nodeInfo, services: [web(rig.endpointIPs)] });
    await backend.cleanup();
    t.is(await ipvsadm(rig, ['-Sn']), '');
    t.is(await inside(rig.node, 'ipset', ['list', '-n']), '');
    t.false((await inside(rig.node, 'iptables-save', [])).includes('KUBE-'));
    await t.throwsAsync(inside(rig.node, 'ip', ['link', 'show', 'kube-ipvs0']));
    await backend.cleanup();
    t.pass('a second cleanup finds nothing to do');
  });
});
