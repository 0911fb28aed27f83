// `lab bench proxy`: the proxy modes under many Services. For each mode and
// size, in a fresh one-node lab: S selector-less Services, each with a
// hand-made Endpoints naming the same two lab/hello pods (2 endpoints per
// service without S*2 pods). Then, from the agent's /metrics (kube-proxy's
// names): one-endpoint partial syncs and their network programming latency
// (Endpoints write -> the sync that applied it); full syncs, by restarting the
// agent (a full sync at start, as kube-proxy); the agent's CPU time and RSS;
// first-packet latency (TCP connect from a pod) through the first, middle and
// last service vs straight to a pod (KEP-3866's curve); and the tools' floor,
// the same backend alone in an empty namespace, in the same run. Every point
// is bounded in time; one that does not converge is reported as such.
// --hosts H (H >= 2): a lab of H simulated hosts with one node each; the pods
// and the measured agent are on host H's node, whose agent watches the API
// over HTTPS across the VXLAN overlay (the router's relay), and every
// one-endpoint change is also timed on host 1's node (the API's unix socket):
// the overlay's share of the programming latency, same writes, same run.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pidusage from 'pidusage';
import { serviceKey } from '../agent/proxy/model.js';
import { proxyModeInfo, proxyModes, type ProxyMode } from '../agent/proxy/modes.js';
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { Endpoints, KubeObject, Pod, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { exec } from '../client/exec.js';
import { Informer } from '../client/informer.js';
import { down, up } from '../lab/lifecycle.js';
import { home, kubeletSocket, labDir, readComponents } from '../lab/state.js';
import { adminConnection } from '../lab/credentials.js';
import { table } from '../lab/status.js';
import { type Command, parse, UsageError } from '../cli/args.js';
import { poll } from '../util/poll.js';
import { measureFloor, type FloorMode } from './proxy-floor.js';
import { extraLatency, fullSyncs, metric, parseMetrics, syncOutcome, type Metrics, type SyncOutcome } from './proxy-sync.js';
import { emptyPoint, hostLabel, type ProxyPoint, type Samples } from './proxy-point.js';
import { writeProxyReport } from './proxy-report.js';
import { percentiles, positive, until, writeResults, type Percentiles } from './pods.js';

const ns = 'bench-proxy';
const lab = 'benchproxy';
const inFlight = 32;
const changes = 20;
const connectSamples = 100;
const hostModes = proxyModes.filter((m) => m !== 'ipvs');

/** The agent's Prometheus metrics (on its kubelet socket: a file, reachable from every namespace). */
function agentMetrics(node: string): Promise<Metrics> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath: kubeletSocket(labDir(lab), node), path: '/metrics', timeout: 5000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(parseMetrics(body)));
      })
      .on('error', reject)
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('metrics timed out'));
      });
  });
}

function agentPid(node: string): number {
  const pid = readComponents(lab).find((c) => c.name === `agent-${node}`)?.pid;
  if (!pid) throw new Error(`lab ${lab} has no running agent-${node}`);
  return pid;
}

/** A hand-made Endpoints object with these addresses on port 8080. */
const endpointsOf = (svcName: string, ips: string[]): Endpoints => ({ metadata: { name: svcName }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', port: 8080 }] }] }) as Endpoints;

/** Service names in the order the rules dispatch them (kube-proxy sorts service ports by name). */
function dispatchOrder(size: number): string[] {
  const key = (name: string): string => serviceKey({ namespace: ns, name, portName: 'http', protocol: 'TCP' });
  return Array.from({ length: size }, (_, i) => `svc-${i}`).sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

async function measureProxy(mode: ProxyMode, size: number, hosts: number, budgetMs: number): Promise<ProxyPoint> {
  const deadline = Date.now() + budgetMs;
  const left = (capMs: number): number => Math.max(0, Math.min(capMs, deadline - Date.now()));
  const point = emptyPoint(mode, size, hosts);
  // One node per host (round-robin): node<H> is on host H, the last one; a one-host lab is today's one-node lab.
  const state = await up({ name: lab, nodes: hosts, proxyMode: mode, hosts });
  const nodes = state.plan.nodes.map((n) => ({ name: n.name, host: n.host ?? 'host1' }));
  const node = nodes.find((n) => n.host === point.host)!.name;
  const api = adminConnection(state);
  const client = new ApiClient({ ...api, timeoutMs: 120_000 });
  const pods = new Informer<Pod>(client, types.pods, { namespace: ns });
  try {
    await client.create(types.namespaces, { metadata: { name: ns } } as KubeObject);
    pods.start();
    const pod = (name: string, image: string, probe = false): Pod =>
      ({ metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, ...(probe ? { readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } } : {}) }] } }) as Pod;
    for (const p of [pod('hello-0', 'lab/hello', true), pod('hello-1', 'lab/hello', true), pod('client', 'lab/toolbox')]) await client.create(types.pods, p, ns);
    await until([pods as Informer<never>], () => pods.list().filter(isReady).length === 3, '3 Ready pods', 60_000);
    const ips = ['hello-0', 'hello-1'].map((n) => pods.get(`${ns}/${n}`)!.status!.podIP!);
    const inPod = async (command: string[]): Promise<string> => (await exec({ ...api, namespace: ns, pod: 'client', command })).stdout;
    const order = dispatchOrder(size);
    const targets = { first: order[0]!, middle: order[Math.floor(size / 2)]!, last: order[size - 1]! };
    const clusterIPs = new Map<string, string>();

    // 1. S services x 2 endpoints; programmed once the last one answers.
    const cpuBefore = (await pidusage(agentPid(node))).ctime;
    const started = performance.now();
    for (let i = 0; i < size; i += inFlight) {
      await Promise.all(
        Array.from({ length: Math.min(inFlight, size - i) }, async (_, j) => {
          const svcName = `svc-${i + j}`;
          const svc = await client.create<Service>(types.services, { metadata: { name: svcName }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as Service, ns);
          await client.create(types.endpoints, endpointsOf(svcName, ips), ns);
          if (Object.values(targets).includes(svcName)) clusterIPs.set(svcName, svc.spec.clusterIP!);
        }),
      );
    }
    const answers = async (svcName: string): Promise<true | undefined> =>
      (await inPod(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', `http://${clusterIPs.get(svcName)}/`])) === '200' ? true : undefined;
    if (!(await poll(() => answers(targets.last), { timeoutMs: left(600_000), everyMs: 200, retryErrors: true }))) {
      point.notes.push(`did not converge: the last of ${size} services did not answer within the point's time`);
      return point;
    }
    point.programAllSeconds = round((performance.now() - started) / 1000, 2);
    const usage = await pidusage(agentPid(node));
    point.agentCpuSeconds = round((usage.ctime - cpuBefore) / 1000, 2);
    point.agentRssMB = round(usage.memory / 1024 / 1024, 1);
    console.log(`  ${mode} ${size} (${point.host} of ${hosts}): all services programmed after ${point.programAllSeconds} s`);

    // The last service answering does not mean the agents are done: wait until none has synced for 2 s (steady state).
    let seen = -1;
    const settled = await poll(async () => {
      let n = 0;
      for (const nd of nodes) n += (await agentMetrics(nd.name)).get(metric.syncs) ?? 0;
      const quiet = n === seen;
      seen = n;
      return quiet ? true : undefined;
    }, { timeoutMs: left(120_000), everyMs: 2000, retryErrors: true });
    if (!settled) point.notes.push('the agents were still syncing 2 minutes after the last service answered');

    // 2. One endpoint moves to an address nobody has, one service at a time (never a connect target);
    // every node's agent applies each change: each is timed on its own.
    const targetNames = new Set(Object.values(targets));
    const changing = Array.from({ length: size }, (_, i) => `svc-${i}`).filter((n) => !targetNames.has(n)).slice(0, changes);
    const syncMs: number[] = [];
    const latencyMs = new Map<string, number[]>(nodes.map((n) => [n.host, []]));
    const extraMs: number[] = [];
    let unsynced = 0;
    for (const [k, svcName] of changing.entries()) {
      if (left(1) === 0) break;
      const before = new Map<string, Metrics>();
      for (const nd of nodes) before.set(nd.name, await agentMetrics(nd.name));
      const sent = Date.now();
      await client.patch(types.endpoints, svcName, { subsets: endpointsOf(svcName, [ips[0]!, `10.250.0.${k + 1}`]).subsets }, ns);
      const outcomes = new Map<string, SyncOutcome>();
      await poll(async () => {
        for (const nd of nodes.filter((n) => !outcomes.has(n.name))) {
          const o = syncOutcome(before.get(nd.name)!, await agentMetrics(nd.name), sent);
          if (o.kind !== 'none') outcomes.set(nd.name, o);
        }
        return outcomes.size === nodes.length;
      }, { timeoutMs: left(60_000), everyMs: 20, retryErrors: true });
      const extra = extraLatency(outcomes.get(node), outcomes.get(nodes[0]!.name));
      if (hosts > 1 && extra !== undefined) extraMs.push(extra);
      for (const nd of nodes) {
        const o = outcomes.get(nd.name);
        if (!o) unsynced++;
        else if (o.kind === 'full') point.fullSyncsDuringChanges += nd.name === node ? 1 : 0;
        else if (o.kind === 'partial') {
          latencyMs.get(nd.host)!.push(o.latencyMs);
          if (nd.name === node) syncMs.push(o.syncMs);
        }
      }
    }
    if (unsynced) point.notes.push(`did not converge: ${unsynced} of ${changing.length * nodes.length} one-endpoint changes (${changing.length} on each of ${nodes.length} nodes) were not synced within 60 s`);
    const samples = (xs: number[]): Samples | null => (xs.length ? { ...percentiles(xs), samples: xs.length, raw: xs.map((x) => Math.round(x * 10) / 10) } : null);
    point.partialSyncMs = samples(syncMs);
    point.programmingLatencyMs = samples(latencyMs.get(point.host)!);
    if (hosts > 1) {
      point.programmingLatencyByHostMs = Object.fromEntries([...latencyMs].map(([h, xs]) => [h, samples(xs)]));
      point.overlayExtraMs = samples(extraMs);
    }
    point.rules = (await agentMetrics(node)).get(metric.rules) ?? null;

    // 3. First-packet latency, same pod, same run: through the first, middle and last service, and to a pod.
    const connectTimes = async (urls: string[]): Promise<number[]> => {
      const out = await inPod(['curl', '-s', '-H', 'Connection: close', '--max-time', '2', '-w', '\\ntc=%{time_connect} rc=%{exitcode}\\n', ...urls]);
      return [...out.matchAll(/^tc=([\d.]+) rc=0$/gm)].map((m) => Number(m[1]) * 1e6);
    };
    const via = async (name: string): Promise<number[]> => connectTimes([`http://${clusterIPs.get(name)}/?[1-${connectSamples}]`]);
    const [first, middle, last, direct] = [await via(targets.first), await via(targets.middle), await via(targets.last), await connectTimes([`http://${ips[0]}:8080/?[1-${connectSamples}]`])];
    point.connectUs = { first: percentiles(first), middle: percentiles(middle), last: percentiles(last), direct: percentiles(direct), samples: Math.min(first.length, middle.length, last.length, direct.length) };

    // 4. Full syncs: a restarted agent programs everything at start.
    const fullMs: number[] = [];
    for (let r = 0; r < 2 && left(1) > 0; r++) {
      const pid = agentPid(node);
      process.kill(pid, 'SIGKILL');
      const full = await poll(async () => {
        if (agentPid(node) === pid) return undefined;
        const f = fullSyncs(await agentMetrics(node));
        return f.count >= 1 ? f : undefined;
      }, { timeoutMs: left(300_000), everyMs: 250, retryErrors: true });
      if (!full) {
        point.notes.push(`did not converge: a restarted agent made no full sync within the point's time`);
        break;
      }
      fullMs.push(full.meanMs);
      // A second restart right away would measure a machine still busy with the first.
      if (size >= 10_000) break;
    }
    if (fullMs.length) point.fullSyncMs = { ...percentiles(fullMs), samples: fullMs.length };
    point.converged = !point.notes.some((n) => n.startsWith('did not converge'));
    return point;
  } finally {
    pods.stop();
    pidusage.clear();
    client.close();
    await down(lab);
  }
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function runBenchProxy(o: { modes: ProxyMode[]; sizes: number[]; hosts: number[]; out: string; pointTimeoutMs: number }): Promise<ProxyPoint[]> {
  const points: ProxyPoint[] = [];
  for (const size of o.sizes) {
    for (const mode of o.modes) {
      for (const [i, hosts] of o.hosts.entries()) {
        console.log(`${mode} at ${size} services, measured on host${hosts} of ${hosts}`);
        let p: ProxyPoint;
        try {
          p = await measureProxy(mode, size, hosts, o.pointTimeoutMs);
        } catch (e) {
          p = { ...emptyPoint(mode, size, hosts), notes: [`failed: ${(e as Error).message}`] };
        }
        // The floor has no hosts: measured once per mode and size, kept with the first point.
        if (i === 0 && proxyModeInfo[mode].kernelBalancing) {
          console.log(`  ${mode} at ${size} services: the tools' floor`);
          p.floor = await measureFloor(mode as FloorMode, size).catch((e: Error) => {
            p.notes.push(`floor failed: ${e.message}`);
            return undefined;
          });
        }
        points.push(p);
      }
    }
  }
  const setup = {
    nodes: 'one per simulated host: with --hosts H, H nodes, the measured agent and every pod on host H (its agent reaches the API over HTTPS across the VXLAN overlay through the router\'s relay; host 1\'s over the API\'s unix socket)',
    hostsMeasured: o.hosts,
    endpointsPerService: 2,
    oneEndpointChanges: changes,
    connectSamples,
    connectTargets: 'the first, middle and last service in dispatch order (KUBE-SERVICES order), from a pod on the same node as both endpoints',
    fullSync: 'the full sync of a restarted agent (kube-proxy syncs fully at start)',
    floor: 'the kernel tools alone (nft -f, iptables-restore, their listings) with the input the same backend code gives them for the same rule set, in an empty namespace, same run (timed through ip netns exec)',
    pointTimeoutSeconds: o.pointTimeoutMs / 1000,
  };
  writeResults(o.out, 'proxy', { setup, points });
  const html = writeProxyReport(o.out, points);
  const s = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '-' : x.toFixed(digits));
  const pp = (x: Samples | Percentiles | null | undefined): string => (x ? `${x.p50} / ${x.p99}` : '-');
  console.log(
    '\n' +
      table([
        ['MODE', 'SERVICES', 'HOST', 'OK', 'RULES', 'PARTIAL p50/p99 (ms)', 'FLOOR PARTIAL p50/p99', 'PROG LATENCY p50/p99 (ms)', 'FULL (ms)', 'FLOOR FULL', 'FULL DURING CHANGES', 'CONNECT first/middle/last/direct p50 (µs)', 'AGENT CPU (s)', 'RSS (MB)'],
        ...points.map((r) => [
          r.mode,
          String(r.services),
          hostLabel(r),
          r.converged ? 'yes' : 'NO',
          String(r.rules ?? '-'),
          pp(r.partialSyncMs),
          pp(r.floor?.partialSyncMs),
          pp(r.programmingLatencyMs),
          r.fullSyncMs ? String(r.fullSyncMs.p50) : '-',
          s(r.floor?.fullSyncMs),
          String(r.fullSyncsDuringChanges),
          r.connectUs ? [r.connectUs.first, r.connectUs.middle, r.connectUs.last, r.connectUs.direct].map((c) => c.p50).join(' / ') : '-',
          s(r.agentCpuSeconds),
          s(r.agentRssMB),
        ]),
      ]),
  );
  for (const r of points.filter((p) => p.programmingLatencyByHostMs)) {
    const byHost = Object.entries(r.programmingLatencyByHostMs!).map(([h, x]) => `${h} ${pp(x)}`);
    console.log(`programming latency p50/p99 (ms) in the ${r.hosts}-host lab, same writes: ${byHost.join(', ')}; ${r.host} minus host1, write by write: ${pp(r.overlayExtraMs)} (${r.mode}, ${r.services} services)`);
  }
  for (const r of points) for (const n of r.notes) console.log(`note: ${r.mode} ${r.services} ${hostLabel(r)}: ${n}`);
  console.log(`\nwritten to ${o.out} and ${html}`);
  return points;
}

export const benchProxy: Command = {
  summary: 'proxy modes under S services x 2 endpoints: partial/full syncs, programming latency (also across the overlay: --hosts 1,2), first-packet latency, agent CPU/RSS, vs the tools floor',
  usage: `[--modes ${hostModes.join(',')}] [--services 1000,10000] [--hosts 1[,2]] [--point-timeout 600] [--out bench-results/proxy.json]`,
  async run(argv) {
    const { values } = parse('bench proxy', argv, {
      modes: { type: 'string', default: hostModes.join(',') },
      services: { type: 'string', default: '1000,10000' },
      hosts: { type: 'string', default: '1' },
      'point-timeout': { type: 'string', default: '600' },
      out: { type: 'string', default: path.join(home, 'bench-results', 'proxy.json') },
    });
    const modes = values.modes.split(',').map((m) => {
      if (m === 'ipvs') throw new UsageError('lab bench proxy: ipvs needs a kernel with IPVS; run its kernel benchmark in the VM: lab vm bench (emulated CPU: compare ratios, not absolute numbers)');
      if (!(hostModes as readonly string[]).includes(m)) throw new UsageError(`lab bench proxy: --modes takes ${hostModes.join(', ')} (got "${m}")`);
      return m as ProxyMode;
    });
    const sizes = values.services.split(',').map((n) => positive('bench proxy', 'services', n));
    const hosts = values.hosts.split(',').map((n) => positive('bench proxy', 'hosts', n));
    const pointTimeoutMs = positive('bench proxy', 'point-timeout', values['point-timeout']) * 1000;
    fs.mkdirSync(path.dirname(values.out), { recursive: true });
    await runBenchProxy({ modes, sizes, hosts, out: values.out, pointTimeoutMs });
  },
};
