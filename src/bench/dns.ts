// `lab bench dns`: the cluster DNS in a lab holding N Services (selector-less
// ClusterIP Services named as src/dns/load.ts asks for them). From a toolbox
// pod, the UDP load generator of src/dns/bench.ts (a Node process in the pod's
// network namespace, started through exec) loads (1) kube-dns 10.96.0.10, the
// path pods use (DNAT to the two DNS pods), and (2) one DNS pod directly; each
// at a fixed rate (latency) and with a fixed number in flight (the ceiling).
// The DNS servers' CPU time gives queries per CPU-second (each server is one
// Node thread), and their SIGUSR1 metrics count what each answered.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { KubeObject, Pod, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { exec } from '../client/exec.js';
import { type Command, parse } from '../cli/args.js';
import type { LoadResult } from '../dns/load.js';
import { NAMESPACES, nameOf } from '../dns/load.js';
import { down, up } from '../lab/lifecycle.js';
import { home, labDir } from '../lab/state.js';
import { adminConnection } from '../lab/credentials.js';
import { table } from '../lab/status.js';
import { waitFor } from '../util/poll.js';
import { positive, writeResults } from './pods.js';

const loadScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dns', 'bench.js');
// /proc/<pid>/stat counts CPU time in USER_HZ ticks, 100 per second on Linux.
const TICKS_PER_SECOND = 100;

interface LoadRun {
  warmUp: LoadResult;
  fixedRate: LoadResult & { rate: number };
  closedLoop: LoadResult & { concurrency: number };
}

interface PathResult extends LoadRun {
  target: string;
  /** CPU seconds the DNS server processes used during the run (warm-up, fixed rate, closed loop), and its answers per such second. */
  dnsCpuSeconds: number;
  answersPerDnsCpuSecond: number;
  /** Queries the kernel dropped because a DNS server's UDP receive buffer was full (RcvbufErrors in its network namespace). */
  dnsUdpRcvbufErrors: number;
}

interface DnsResult {
  services: number;
  nodes: number;
  createSeconds: number;
  /** From the last Service created to both DNS pods answering it (asked every 200 ms). */
  dnsCaughtUpSeconds: number;
  dnsRssMB: Record<string, number>;
  viaKubeDns: PathResult;
  direct: PathResult;
  /** What each DNS server counted (by rcode) since it started: SIGUSR1 metrics. */
  dnsMetrics: Record<string, unknown>;
  targets: string;
}

interface DnsServerPod {
  name: string;
  ip: string;
  pid: number;
}

function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A process's network namespace's count of UDP datagrams dropped on a full receive buffer. */
function udpRcvbufErrors(pid: number): number {
  const [names, counts] = fs.readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n').filter((l) => l.startsWith('Udp: ')).map((l) => l.split(' '));
  return Number(counts![names!.indexOf('RcvbufErrors')]);
}

function rssMB(pid: number): number {
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

/** The DNS pods with their host pids (from the shim's record in the node's state). */
async function dnsServers(lab: string, client: ApiClient): Promise<DnsServerPod[]> {
  const pods = (await client.list<Pod>(types.pods, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })).items;
  return pods.map((p) => {
    const restarts = p.status!.containerStatuses![0]!.restartCount;
    const pidFile = path.join(labDir(lab), 'nodes', p.spec.nodeName!, 'pods', p.metadata.uid!, 'containers', 'coredns', String(restarts), 'pid');
    return { name: p.metadata.name!, ip: p.status!.podIP!, pid: Number(fs.readFileSync(pidFile, 'utf8')) };
  });
}

async function createServices(client: ApiClient, count: number, inFlight: number): Promise<string> {
  for (let n = 0; n < Math.min(count, NAMESPACES); n++) await client.create(types.namespaces, { metadata: { name: `ns-${n}` } } as KubeObject);
  let next = 0;
  let lastIP = '';
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) {
      const i = next++;
      const { name, ns } = nameOf(i);
      const svc = await client.create<Service>(types.services, { metadata: { name }, spec: { ports: [{ name: 'http', port: 80 }] } } as Service, ns);
      if (i === count - 1) lastIP = svc.spec.clusterIP!;
    }
  }));
  return lastIP;
}

async function runBenchDns(o: { sizes: number[]; rate: number; seconds: number; concurrency: number; out: string; name?: string }): Promise<DnsResult[]> {
  const results: DnsResult[] = [];
  for (const services of o.sizes) {
    const name = o.name ?? 'benchdns';
    const nodes = 2;
    const state = await up({ name, nodes });
    const client = new ApiClient({ ...adminConnection(state), timeoutMs: 60_000 });
    try {
      await client.create(types.pods, { metadata: { name: 'load' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: 'lab/toolbox' }] } } as Pod, 'default');
      await waitFor('the load pod Ready', async () => (isReady(await client.get<Pod>(types.pods, 'load', 'default')) ? true : undefined), 60_000, 200);
      const inPod = (command: string[]) => exec({ ...adminConnection(state), namespace: 'default', pod: 'load', command });
      const servers = await dnsServers(name, client);

      const started = performance.now();
      const lastIP = await createServices(client, services, 32);
      const createSeconds = (performance.now() - started) / 1000;
      const last = nameOf(services - 1);
      const lastName = `${last.name}.${last.ns}.svc.${state.plan.clusterDomain}`;
      await waitFor(`both DNS pods to answer ${lastName}`, async () => {
        for (const s of servers) if ((await inPod(['dig', '+short', `@${s.ip}`, lastName])).stdout.trim() !== lastIP) return undefined;
        return true;
      }, 600_000, 200);
      const dnsCaughtUpSeconds = (performance.now() - started) / 1000 - createSeconds;
      console.log(`services=${services}: created in ${createSeconds.toFixed(1)} s; both DNS pods answer the last one ${dnsCaughtUpSeconds.toFixed(1)} s later`);

      const load = async (target: string, measured: DnsServerPod[]): Promise<PathResult> => {
        const cpuBefore = measured.map((s) => cpuSeconds(s.pid));
        const dropsBefore = measured.map((s) => udpRcvbufErrors(s.pid));
        const r = await inPod([process.execPath, loadScript, '--target', target, '--services', String(services), '--rate', String(o.rate), '--seconds', String(o.seconds), '--concurrency', String(o.concurrency), '--json']);
        if (r.exitCode !== 0) throw new Error(`load generator failed in the pod: ${r.stderr || r.error}`);
        const dnsCpuSeconds = measured.reduce((sum, s, i) => sum + cpuSeconds(s.pid) - cpuBefore[i]!, 0);
        const dnsUdpRcvbufErrors = measured.reduce((sum, s, i) => sum + udpRcvbufErrors(s.pid) - dropsBefore[i]!, 0);
        const { warmUp, fixedRate, closedLoop } = JSON.parse(r.stdout) as LoadRun;
        const answered = warmUp.answered + fixedRate.answered + closedLoop.answered;
        console.log(`  ${target}: fixed ${o.rate} qps -> p50 ${fixedRate.p50Ms.toFixed(2)} ms p99 ${fixedRate.p99Ms.toFixed(2)} ms; closed loop ${closedLoop.qps} qps; DNS CPU ${dnsCpuSeconds.toFixed(2)} s; receive-buffer drops ${dnsUdpRcvbufErrors}`);
        return { target, warmUp, fixedRate, closedLoop, dnsCpuSeconds, answersPerDnsCpuSecond: Math.round(answered / dnsCpuSeconds), dnsUdpRcvbufErrors };
      };
      const viaKubeDns = await load(state.plan.clusterDNS, servers);
      const direct = await load(servers[0]!.ip, [servers[0]!]);

      const dnsMetrics: Record<string, unknown> = {};
      for (const s of servers) {
        process.kill(s.pid, 'SIGUSR1');
        dnsMetrics[s.name] = await waitFor(`metrics of ${s.name}`, async () => {
          const log = await client.request<string>('GET', `/api/v1/namespaces/kube-system/pods/${s.name}/log?tailLines=1`);
          const m = /^dns: metrics (.*)$/m.exec(log);
          return m ? JSON.parse(m[1]!) : undefined;
        }, 10_000, 200);
      }
      results.push({
        services,
        nodes,
        createSeconds,
        dnsCaughtUpSeconds,
        dnsRssMB: Object.fromEntries(servers.map((s) => [s.name, rssMB(s.pid)])),
        viaKubeDns,
        direct,
        dnsMetrics,
        targets: 'p99 < 5 ms at 10,000 services; >= 10,000 qps on one core',
      });
    } finally {
      client.close();
      await down(name);
    }
  }
  writeResults(o.out, 'dns', results);
  const f = (n: number): string => n.toFixed(2);
  console.log(
    '\n' +
      table([
        ['SERVICES', 'PATH', `FIXED ${o.rate} qps: answered`, 'p50 (ms)', 'p99 (ms)', `${o.concurrency} IN FLIGHT: qps`, 'p99 (ms)', 'ANSWERS / DNS CPU-s', 'RCVBUF DROPS', 'DNS RSS (MB)'],
        ...results.flatMap((r) =>
          [r.viaKubeDns, r.direct].map((p) => [
            String(r.services),
            p === r.viaKubeDns ? `kube-dns ${p.target}` : `pod ${p.target}`,
            `${p.fixedRate.answered}/${p.fixedRate.sent}`,
            f(p.fixedRate.p50Ms),
            f(p.fixedRate.p99Ms),
            String(p.closedLoop.qps),
            f(p.closedLoop.p99Ms),
            String(p.answersPerDnsCpuSecond),
            String(p.dnsUdpRcvbufErrors),
            Object.values(r.dnsRssMB).join(' / '),
          ]),
        ),
      ]),
  );
  console.log(`\nwritten to ${o.out}`);
  return results;
}

export const benchDns: Command = {
  summary: 'cluster DNS qps and p50/p99 latency through kube-dns and to one DNS pod, with N Services in the lab',
  usage: '[--services 100,10000] [--rate 10000] [--seconds 5] [--concurrency 64] [--out bench-results/dns.json]',
  async run(argv) {
    const { values } = parse('bench dns', argv, {
      services: { type: 'string', default: '100,10000' },
      rate: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '64' },
      out: { type: 'string', default: `${home}/bench-results/dns.json` },
    });
    await runBenchDns({
      sizes: values.services.split(',').map((n) => positive('bench dns', 'services', n)),
      rate: positive('bench dns', 'rate', values.rate),
      seconds: positive('bench dns', 'seconds', values.seconds),
      concurrency: positive('bench dns', 'concurrency', values.concurrency),
      out: values.out,
    });
  },
};
