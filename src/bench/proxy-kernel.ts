// The kernel side of each proxy mode, IPVS included, without a lab: for S
// services x 2 endpoints, in fresh namespaces (client -- node -- pods), the
// backend's full sync from empty, a one-endpoint partial sync, and the
// first-packet latency (TCP connect time through the node, which holds the
// rules) to the first, middle and last service's cluster IP, against a direct
// connect to the pod. Meant for the kernel VM (`lab vm bench`), where all three
// modes run in one boot: compare ratios within one run, not absolute numbers
// (the VM's CPU is emulated).
// Usage (root): node dist/src/bench/proxy-kernel.js [--sizes 100,1000,10000] [--modes ipvs,iptables,nftables] [--probes 200] [--out FILE]
import { spawn } from 'node:child_process';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { IptablesBackend } from '../agent/proxy/iptables/backend.js';
import { IpvsBackend } from '../agent/proxy/ipvs/backend.js';
import { newServicePort, serviceKey, type NodeInfo, type ProxyBackend, type ServicePort } from '../agent/proxy/model.js';
import { NftablesMapsBackend } from '../agent/proxy/nftables-maps/backend.js';
import { NftablesBackend } from '../agent/proxy/nftables/backend.js';
import { run } from '../net/run.js';
import { markRunNetns, removeUnusedNetnsDirs } from '../net/netns-dirs.js';
import { percentiles, writeResults, type Percentiles } from './pods.js';

export interface KernelModeResult {
  mode: string;
  services: number;
  rulesTotal: number;
  fullSyncMs: number;
  oneEndpointSyncMs: number;
  /** TCP connect time from the client namespace, in microseconds. */
  connectUs: { first: Percentiles; middle: Percentiles; last: Percentiles; direct: Percentiles; probes: number };
}

const node: NodeInfo = { name: 'bench', ips: ['192.168.77.1'], podCIDR: '10.244.0.0/16', clusterCIDR: '10.244.0.0/16' };
const serviceIP = (i: number): string => `10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
// Every service has endpoints of its own (shared ones would pile up in one bucket of IPVS's real-server table).
const endpointIP = (n: number): string => `10.244.${Math.floor(n / 250)}.${(n % 250) + 1}`;
const direct = endpointIP(0);

export function benchServices(count: number): ServicePort[] {
  return Array.from({ length: count }, (_, i) =>
    newServicePort({
      namespace: 'bench',
      name: `svc${i}`,
      portName: 'http',
      clusterIP: serviceIP(i + 1),
      endpoints: [2 * i, 2 * i + 1].map((n) => ({ ip: endpointIP(n), port: 8080, ready: true, serving: true, terminating: false, local: true })),
    }),
  );
}

const server = `require('net').createServer((c) => c.destroy()).listen(8080, '0.0.0.0', () => console.log('ready'));`;
// Sequential connects; the time from connect() to the connection being established, per target.
const prober = `
const net = require('net');
const [count, ...targets] = process.argv.slice(1);
const once = (host) => new Promise((resolve) => {
  const start = process.hrtime.bigint();
  const s = net.connect({ host, port: host.startsWith('10.244.') ? 8080 : 80 });
  s.on('connect', () => { resolve(Number(process.hrtime.bigint() - start) / 1000); s.destroy(); });
  s.on('error', () => resolve(-1));
});
(async () => {
  const out = {};
  for (const t of targets) { out[t] = []; for (let i = 0; i < Number(count); i++) out[t].push(await once(t)); }
  console.log(JSON.stringify(out));
})();
`;

async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, { input });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** client 192.168.77.2 -- 192.168.77.1 node 192.168.78.1 -- 192.168.78.2 pods, which answer on every 10.244.0.0/16 address (one server); returns a cleanup. */
async function rig(prefix: string): Promise<() => Promise<void>> {
  const [client, nodeNs, pods] = ['client', 'node', 'pods'].map((n) => `${prefix}${n}`) as [string, string, string];
  markRunNetns();
  for (const ns of [client, nodeNs, pods]) await sh('ip', ['netns', 'add', ns]);
  const batch = (ns: string, lines: string[]): Promise<string> => sh('ip', ['-n', ns, '-batch', '-'], `${lines.join('\n')}\n`);
  await sh('ip', ['-n', client, 'link', 'add', 'c0', 'type', 'veth', 'peer', 'name', 'n0', 'netns', nodeNs]);
  await sh('ip', ['-n', pods, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'n1', 'netns', nodeNs]);
  await batch(client, ['link set lo up', 'addr add 192.168.77.2/24 dev c0', 'link set c0 up', 'route add default via 192.168.77.1']);
  await batch(nodeNs, ['link set lo up', 'addr add 192.168.77.1/24 dev n0', 'link set n0 up', 'addr add 192.168.78.1/24 dev n1', 'link set n1 up', 'route add 10.244.0.0/16 via 192.168.78.2']);
  await batch(pods, ['link set lo up', 'addr add 192.168.78.2/24 dev p0', 'link set p0 up', 'route add local 10.244.0.0/16 dev lo', 'route add default via 192.168.78.1']);
  await sh('ip', ['netns', 'exec', nodeNs, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  const child = spawn('ip', ['netns', 'exec', pods, process.execPath, '-e', server], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return async () => {
    child.kill('SIGKILL');
    for (const ns of [client, nodeNs, pods]) await run('ip', ['netns', 'del', ns]);
    removeUnusedNetnsDirs('svclab-');
  };
}

function backendFor(mode: string, exec: string[]): ProxyBackend {
  if (mode === 'ipvs') return new IpvsBackend({ exec });
  if (mode === 'nftables') return new NftablesBackend({ exec });
  if (mode === 'nftables-maps') return new NftablesMapsBackend({ exec });
  return new IptablesBackend({ exec });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [Math.round((performance.now() - start) * 10) / 10, value];
}

export async function measureKernelMode(mode: string, size: number, probes: number): Promise<KernelModeResult> {
  const prefix = `svclab-bk${process.pid}-`;
  const cleanup = await rig(prefix);
  try {
    const services = benchServices(size);
    const backend = backendFor(mode, ['ip', 'netns', 'exec', `${prefix}node`]);
    const [fullSyncMs, result] = await timed(() => backend.sync({ node, services }));
    const mid = Math.floor(size / 2);
    const changed = { ...services[mid]!, endpoints: [services[mid]!.endpoints[0]!] };
    const updated = services.map((s, i) => (i === mid ? changed : s));
    const [oneEndpointSyncMs] = await timed(() => backend.sync({ node, services: updated, changed: new Set([serviceKey(changed)]) }));
    const targets = [services[0]!.clusterIP, services[mid]!.clusterIP, services[size - 1]!.clusterIP, direct];
    const out = JSON.parse(await sh('ip', ['netns', 'exec', `${prefix}client`, process.execPath, '-e', prober, String(probes), ...targets])) as Record<string, number[]>;
    const stats = (ip: string): Percentiles => {
      const xs = out[ip]!;
      if (xs.some((x) => x < 0)) throw new Error(`${mode} ${size}: connections to ${ip} failed`);
      return percentiles(xs);
    };
    return { mode, services: size, rulesTotal: result.rulesTotal, fullSyncMs, oneEndpointSyncMs, connectUs: { first: stats(targets[0]!), middle: stats(targets[1]!), last: stats(targets[2]!), direct: stats(targets[3]!), probes } };
  } finally {
    await cleanup();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '100,1000,10000' },
      modes: { type: 'string', default: 'ipvs,iptables,nftables,nftables-maps' },
      probes: { type: 'string', default: '200' },
      out: { type: 'string', default: 'bench-results/proxy-kernel.json' },
    },
  });
  if (process.getuid?.() !== 0) throw new Error('the kernel benchmark needs root (network namespaces)');
  const results: KernelModeResult[] = [];
  console.log('mode       services    rules   full sync   1-ep sync   connect p50 first/middle/last/direct (us)');
  for (const size of values.sizes.split(',').map(Number)) {
    for (const mode of values.modes.split(',')) {
      const r = await measureKernelMode(mode, size, Number(values.probes));
      results.push(r);
      const c = r.connectUs;
      console.log(
        `${mode.padEnd(10)} ${String(size).padStart(8)} ${String(r.rulesTotal).padStart(8)} ${`${r.fullSyncMs} ms`.padStart(11)} ${`${r.oneEndpointSyncMs} ms`.padStart(11)}   ${[c.first, c.middle, c.last, c.direct].map((p) => p.p50).join(' / ')}`,
      );
    }
  }
  // Inside the kernel VM the CPU is emulated (qemu TCG): compare modes within one run, not with the host.
  const cpu = process.env.SVCLAB_VM === '1' ? 'emulated (qemu TCG): compare ratios within this run, not absolute numbers' : 'host';
  writeResults(values.out, 'proxy-kernel', { kernel: os.release(), cpu, results });
  console.log(`results: ${values.out}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
