// `lab bench proxy`: the proxy modes under many Services. For each mode and
// size, in a fresh one-node lab: S selector-less Services, each with a hand-made
// Endpoints naming the same two lab/hello pods (2 endpoints per service without
// S*2 pods). Then, from the agent's /metrics on its kubelet socket: one full
// sync (the next periodic one), one-endpoint-change syncs and their network
// programming latency (Endpoints write -> the sync that applied it finished),
// the rule count; the agent's CPU time and RSS; TCP connect latency from a
// client pod through a cluster IP vs straight to the pods (same run); and the
// kernel floor: bench-floor.js restoring the same rule sets into an empty
// namespace.
import { execa } from 'execa';
import http from 'node:http';
import path from 'node:path';
import pidusage from 'pidusage';
import { types } from '../api/resources.js';
import type { Endpoints, KubeObject, Pod, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { exec } from '../client/exec.js';
import { Informer } from '../client/informer.js';
import { down, home, up } from '../lab/lifecycle.js';
import type { ProxyMode } from '../agent/proxy/modes.js';
import { kubeletSocket, labDir, readComponents, serverUrl } from '../lab/state.js';
import { table } from '../lab/status.js';
import { parse, UsageError } from '../cli/args.js';
import type { Command } from '../cli/commands.js';
import { isPodReady, percentiles, positive, until, writeResults, type Percentiles } from './pods.js';

export interface ProxyResult {
  mode: string;
  services: number;
  /** kubeproxy_sync_proxy_rules_iptables_total: rules (nftables: rules + map elements) after the load. */
  rules: number;
  /** From the first Service write until the last Service answered from the client pod. */
  programAllSeconds: number;
  /** A periodic full sync at this size (sum/count of the histogram's increase); null when none came in time. */
  fullSyncSeconds: number | null;
  /** Syncs that applied one changed endpoint. */
  oneEndpointSyncMs: Percentiles & { samples: number };
  /** Endpoints write -> end of the sync that applied it (includes mirroring to an EndpointSlice). */
  programmingLatencyMs: Percentiles & { samples: number };
  /** CPU time the agent used while the services were written and programmed. */
  agentCpuSeconds: number;
  agentRssMB: number;
  /** time_connect from a pod on the same node: through the last service's cluster IP vs to the pod IPs. */
  connectUs: { clusterIP: Percentiles; direct: Percentiles; ratioP50: number; samples: number };
  /** bench-floor.js, the backend alone in an empty namespace (iptables/nftables only). */
  floor?: { generateSeconds: number; fullSyncSeconds: number; oneEndpointSyncSeconds: number };
}

const ns = 'bench-proxy';
const lab = 'benchproxy';
const node = 'node1';
const inFlight = 16;
const changes = 20;
const metric = {
  full: 'kubeproxy_sync_proxy_rules_duration_seconds',
  partial: 'kubeproxy_sync_partial_proxy_rules_duration_seconds',
  rules: 'kubeproxy_sync_proxy_rules_iptables_total',
  last: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds',
};
const benchModes = ['iptables', 'nftables', 'userspace'] as const;

type Metrics = Map<string, number>;

/** The agent's Prometheus metrics, one number per series. */
function agentMetrics(): Promise<Metrics> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: kubeletSocket(labDir(lab), node), path: '/metrics' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(new Map(body.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]))));
      })
      .on('error', reject);
  });
}

const count = (m: Metrics, h: string): number => m.get(`${h}_count`) ?? 0;
const sum = (m: Metrics, h: string): number => m.get(`${h}_sum`) ?? 0;

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 20): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  console.log(`   (gave up waiting for ${what} after ${timeoutMs / 1000} s)`);
  return undefined;
}

function agentPid(): number {
  const pid = readComponents(lab).find((c) => c.name === `agent-${node}`)?.pid;
  if (!pid) throw new Error(`lab ${lab} has no running agent-${node}`);
  return pid;
}

/** A hand-made Endpoints object with these addresses on port 8080. */
const endpointsOf = (svcName: string, ips: string[]): Endpoints => ({ metadata: { name: svcName }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', port: 8080 }] }] }) as Endpoints;

export async function measureProxy(mode: ProxyMode, size: number): Promise<ProxyResult> {
  const state = await up({ name: lab, nodes: 1, proxyMode: mode });
  const server = serverUrl(state);
  const client = new ApiClient({ server, timeoutMs: 120_000 });
  const pods = new Informer<Pod>(client, types.pods, { namespace: ns });
  try {
    await client.create(types.namespaces, { metadata: { name: ns } } as KubeObject);
    pods.start();
    const pod = (name: string, image: string, probe = false): Pod =>
      ({ metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, ...(probe ? { readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } } : {}) }] } }) as Pod;
    for (const p of [pod('hello-0', 'lab/hello', true), pod('hello-1', 'lab/hello', true), pod('client', 'lab/toolbox')]) await client.create(types.pods, p, ns);
    await until([pods as Informer<never>], () => pods.list().filter(isPodReady).length === 3, '3 Ready pods', 60_000);
    const ips = ['hello-0', 'hello-1'].map((n) => pods.get(`${ns}/${n}`)!.status!.podIP!);
    const inPod = async (command: string[]): Promise<string> => (await exec({ server, namespace: ns, pod: 'client', command })).stdout;

    // 1. S services x 2 endpoints; programmed once the last one answers.
    const cpuBefore = (await pidusage(agentPid())).ctime;
    const started = performance.now();
    let lastIP = '';
    for (let i = 0; i < size; i += inFlight) {
      await Promise.all(
        Array.from({ length: Math.min(inFlight, size - i) }, async (_, j) => {
          const svcName = `svc-${i + j}`;
          const svc = await client.create<Service>(types.services, { metadata: { name: svcName }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as Service, ns);
          await client.create(types.endpoints, endpointsOf(svcName, ips), ns);
          if (i + j === size - 1) lastIP = svc.spec.clusterIP!;
        }),
      );
    }
    const answered = await poll('the last service to answer', async () => ((await inPod(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', `http://${lastIP}/`])) === '200' ? true : undefined), 600_000, 100);
    if (!answered) throw new Error(`the last of ${size} services never answered`);
    const programAllSeconds = (performance.now() - started) / 1000;
    const usage = await pidusage(agentPid());
    const agentCpuSeconds = (usage.ctime - cpuBefore) / 1000;
    const agentRssMB = Math.round((usage.memory / 1024 / 1024) * 10) / 10;
    console.log(`${mode} ${size}: all services programmed after ${programAllSeconds.toFixed(2)} s`);

    // 2. The next periodic full sync (every 30 s), at this size.
    const before = await agentMetrics();
    const fullWait = 30_000 + Math.max(15_000, 3 * programAllSeconds * 1000);
    const afterFull = await poll('a periodic full sync', async () => {
      const m = await agentMetrics();
      return count(m, metric.full) > count(before, metric.full) ? m : undefined;
    }, fullWait, 250);
    const fullSyncSeconds = afterFull ? (sum(afterFull, metric.full) - sum(before, metric.full)) / (count(afterFull, metric.full) - count(before, metric.full)) : null;

    // 3. One endpoint moves to an address nobody has, one service at a time (never the last one, kept for the latency test).
    const syncMs: number[] = [];
    const latencyMs: number[] = [];
    for (let k = 0; k < changes; k++) {
      const svcName = `svc-${k % Math.max(1, size - 1)}`;
      const m0 = await agentMetrics();
      const sent = Date.now();
      await client.patch(types.endpoints, svcName, { subsets: endpointsOf(svcName, [ips[0]!, `10.250.0.${k + 1}`]).subsets }, ns);
      const m1 = await poll('the change to be synced', async () => {
        const m = await agentMetrics();
        return count(m, metric.partial) > count(m0, metric.partial) || count(m, metric.full) > count(m0, metric.full) ? m : undefined;
      }, 60_000);
      // A periodic full sync that took the change along is not a one-endpoint sync.
      if (!m1 || count(m1, metric.full) > count(m0, metric.full)) continue;
      syncMs.push(((sum(m1, metric.partial) - sum(m0, metric.partial)) / (count(m1, metric.partial) - count(m0, metric.partial))) * 1000);
      latencyMs.push((m1.get(metric.last) ?? 0) * 1000 - sent);
    }
    const rules = (await agentMetrics()).get(metric.rules) ?? 0;

    // 4. TCP connect latency, same pod, same run: cluster IP (last service) vs the pods themselves.
    const connectTimes = async (urls: string[]): Promise<number[]> => {
      const out = await inPod(['curl', '-s', '-H', 'Connection: close', '--max-time', '2', '-w', '\\ntc=%{time_connect} rc=%{exitcode}\\n', ...urls]);
      return [...out.matchAll(/^tc=([\d.]+) rc=0$/gm)].map((m) => Number(m[1]) * 1e6);
    };
    const viaCluster = await connectTimes([`http://${lastIP}/?[1-200]`]);
    const direct = await connectTimes(ips.map((ip) => `http://${ip}:8080/?[1-100]`));
    const clusterP = percentiles(viaCluster);
    const directP = percentiles(direct);
    return {
      mode,
      services: size,
      rules,
      programAllSeconds,
      fullSyncSeconds,
      oneEndpointSyncMs: { ...percentiles(syncMs), samples: syncMs.length },
      programmingLatencyMs: { ...percentiles(latencyMs), samples: latencyMs.length },
      agentCpuSeconds,
      agentRssMB,
      connectUs: { clusterIP: clusterP, direct: directP, ratioP50: Math.round((clusterP.p50 / directP.p50) * 100) / 100, samples: Math.min(viaCluster.length, direct.length) },
    };
  } finally {
    pods.stop();
    pidusage.clear();
    client.close();
    await down(lab);
  }
}

/** bench-floor.js's table: mode size rules generate full 1-ep written, by "mode/size". */
async function floor(modes: string[], sizes: number[]): Promise<Map<string, NonNullable<ProxyResult['floor']>>> {
  const script = path.join(home, 'dist', 'src', 'agent', 'proxy', 'bench-floor.js');
  const r = await execa(process.execPath, [script, '--sizes', sizes.join(','), '--modes', modes.join(',')], { reject: false });
  if (r.exitCode !== 0) console.log(`bench-floor failed: ${r.stderr}`);
  const out = new Map<string, NonNullable<ProxyResult['floor']>>();
  for (const m of String(r.stdout).matchAll(/^(\S+)\s+(\d+)\s+\d+\s+([\d.]+) s\s+([\d.]+) s\s+([\d.]+) s/gm)) {
    out.set(`${m[1]}/${m[2]}`, { generateSeconds: Number(m[3]), fullSyncSeconds: Number(m[4]), oneEndpointSyncSeconds: Number(m[5]) });
  }
  return out;
}

export async function runBenchProxy(o: { modes: ProxyMode[]; sizes: number[]; out: string }): Promise<ProxyResult[]> {
  const notes: string[] = [];
  if (o.modes.includes('iptables') && o.sizes.some((s) => s >= 10_000)) {
    notes.push('iptables at 10,000 services: a full iptables-nft restore alone was measured at ~85 s on this machine (iptables-nft 1.8.9 --noflush is superlinear in chains); expect a very long run.');
  }
  for (const n of notes) console.log(`note: ${n}`);
  const results: ProxyResult[] = [];
  for (const mode of o.modes) for (const size of o.sizes) results.push(await measureProxy(mode, size));
  const kernelModes = o.modes.filter((m) => m !== 'userspace');
  const floors = kernelModes.length ? await floor(kernelModes, o.sizes) : new Map();
  for (const r of results) {
    const f = floors.get(`${r.mode}/${r.services}`);
    if (f) r.floor = f;
    if (r.fullSyncSeconds === null) notes.push(`${r.mode} ${r.services}: no periodic full sync was seen in time; its full sync time is unknown`);
  }
  const setup = { nodes: 1, endpointsPerService: 2, oneEndpointChanges: changes, connectSamples: 200, connectTarget: 'the last service created (last in KUBE-SERVICES), from a pod on the same node as both endpoints' };
  writeResults(o.out, 'proxy', { setup, notes, runs: results });
  const s = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '-' : x.toFixed(digits));
  console.log(
    '\n' +
      table([
        ['MODE', 'SERVICES', 'RULES', 'PROGRAM ALL (s)', 'FULL SYNC (s)', '1-EP SYNC p50/p99 (ms)', 'PROG LATENCY p50/p99 (ms)', 'AGENT CPU (s)', 'AGENT RSS (MB)', 'CONNECT VIA CLUSTER IP p50/p99 (us)', 'DIRECT p50/p99 (us)', 'RATIO p50', 'FLOOR FULL (s)', 'FLOOR 1-EP (s)'],
        ...results.map((r) => [
          r.mode,
          String(r.services),
          String(r.rules),
          s(r.programAllSeconds),
          s(r.fullSyncSeconds, 3),
          `${r.oneEndpointSyncMs.p50} / ${r.oneEndpointSyncMs.p99}`,
          `${r.programmingLatencyMs.p50} / ${r.programmingLatencyMs.p99}`,
          s(r.agentCpuSeconds),
          String(r.agentRssMB),
          `${r.connectUs.clusterIP.p50} / ${r.connectUs.clusterIP.p99}`,
          `${r.connectUs.direct.p50} / ${r.connectUs.direct.p99}`,
          s(r.connectUs.ratioP50),
          s(r.floor?.fullSyncSeconds, 3),
          s(r.floor?.oneEndpointSyncSeconds, 3),
        ]),
      ]),
  );
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`\nwritten to ${o.out}`);
  return results;
}

export const benchProxy: Command = {
  summary: 'proxy modes under S services x 2 endpoints: sync times, programming latency, rules, agent CPU/RSS, connect latency, kernel floor',
  usage: '[--modes iptables,nftables] [--services 100,1000,10000] [--out bench-results/proxy.json]',
  async run(argv) {
    const { values } = parse('bench proxy', argv, {
      modes: { type: 'string', default: 'iptables,nftables' },
      services: { type: 'string', default: '100,1000,10000' },
      out: { type: 'string', default: `${home}/bench-results/proxy.json` },
    });
    const modes = values.modes.split(',').map((m) => {
      if (!(benchModes as readonly string[]).includes(m)) throw new UsageError(`lab bench proxy: --modes takes ${benchModes.join(', ')} (got "${m}")`);
      return m as ProxyMode;
    });
    const sizes = values.services.split(',').map((n) => positive('bench proxy', 'services', n));
    await runBenchProxy({ modes, sizes, out: values.out });
  },
};
