// `lab bench services`: the API server under many Services. (1) Write
// throughput: N selector-less Services, each with a hand-made Endpoints of two
// addresses (what the mirroring controller turns into EndpointSlices), written
// with a bounded number of requests in flight; the API server's RSS is sampled
// meanwhile. (2) Endpoint controller lag at that size: real selector Services
// over real pods whose exec readiness probe we flip; lag = the local time a
// pod informer shows the Ready change -> the local time a slice informer shows
// the endpoint's ready condition follow.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pidusage from 'pidusage';
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { EndpointSlice, Endpoints, KubeObject, Pod, Service } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { down, up } from '../lab/lifecycle.js';
import { home, readComponents } from '../lab/state.js';
import { adminConnection } from '../lab/credentials.js';
import { table } from '../lab/status.js';
import { type Command, parse } from '../cli/args.js';
import { percentiles, positive, until, writeResults, type Percentiles } from './pods.js';

interface ServicesResult {
  nodes: number;
  services: number;
  create: { seconds: number; target: string; servicesPerSecond: number; writesPerSecond: number; inFlight: number; slicesMirroredSeconds: number };
  apiserverRssMB: { before: number; peak: number; after: number };
  endpointLag: Percentiles & { samples: number; services: number; target: string };
}

const bulkNs = 'bench-services';
const lagNs = 'bench-lag';
const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Runs fn(0..count-1) with at most `inFlight` calls pending. */
export async function pool(count: number, inFlight: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < count) await fn(next++);
  }));
}

/** Two addresses per service, unique, outside every lab network. */
function addresses(i: number): string[] {
  return [`10.250.${(i >> 8) & 255}.${i & 255}`, `10.251.${(i >> 8) & 255}.${i & 255}`];
}

function apiserverPid(lab: string): number {
  const pid = readComponents(lab).find((c) => c.name === 'apiserver')?.pid;
  if (!pid) throw new Error(`lab ${lab} has no running apiserver`);
  return pid;
}

async function runBenchServices(o: { count: number; nodes: number; lagPods: number; flips: number; inFlight: number; out: string; name?: string }): Promise<ServicesResult> {
  const name = o.name ?? 'benchsvc';
  const state = await up({ name, nodes: o.nodes });
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 60_000 });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `svclab-${name}-`));
  const informers: Informer<never>[] = [];
  const rssOf = async (): Promise<number> => mb((await pidusage(apiserverPid(name))).memory);
  let peak = 0;
  const sampler = setInterval(() => void rssOf().then((r) => (peak = Math.max(peak, r)), () => undefined), 250);
  try {
    for (const ns of [bulkNs, lagNs]) await client.create(types.namespaces, { metadata: { name: ns } } as KubeObject);
    const rssBefore = await rssOf();

    // 1. N services with 2 hand-made endpoints each.
    const slices = new Informer<EndpointSlice>(client, types.endpointslices, { namespace: bulkNs }).start();
    informers.push(slices as Informer<never>);
    await slices.synced;
    const started = performance.now();
    await pool(o.count, o.inFlight, async (i) => {
      const svcName = `svc-${i}`;
      await client.create(types.services, { metadata: { name: svcName }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } } as Service, bulkNs);
      await client.create(types.endpoints, { metadata: { name: svcName }, subsets: [{ addresses: addresses(i).map((ip) => ({ ip })), ports: [{ name: 'http', port: 8080 }] }] } as Endpoints, bulkNs);
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`${o.count} services + endpoints written in ${seconds.toFixed(2)} s`);
    const mirrored = (): boolean => slices.list().filter((s) => s.endpoints?.length === 2).length >= o.count;
    await until([slices as Informer<never>], mirrored, `${o.count} mirrored EndpointSlices`, 600_000);
    const slicesMirroredSeconds = (performance.now() - started) / 1000;
    console.log(`all ${o.count} EndpointSlices mirrored after ${slicesMirroredSeconds.toFixed(2)} s`);

    // 2. Endpoint controller lag: one selector service per pod, readiness flipped by a file the probe looks for.
    const lag = await measureLag(client, scratch, informers, o.lagPods, o.flips);
    const result: ServicesResult = {
      nodes: o.nodes,
      services: o.count,
      create: {
        seconds,
        target: '< 30 s',
        servicesPerSecond: Math.round(o.count / seconds),
        writesPerSecond: Math.round((2 * o.count) / seconds),
        inFlight: o.inFlight,
        slicesMirroredSeconds,
      },
      apiserverRssMB: { before: rssBefore, peak: Math.max(peak, await rssOf()), after: await rssOf() },
      endpointLag: { ...lag, target: 'p99 < 200 ms' },
    };
    writeResults(o.out, 'services', result);
    console.log(
      '\n' +
        table([
          ['SERVICES', 'WRITE (s)', 'SERVICES/s', 'WRITES/s', 'MIRRORED (s)', 'APISERVER RSS before/peak/after (MB)', 'LAG p50 (ms)', 'p99 (ms)', 'max (ms)', 'SAMPLES'],
          [
            String(o.count),
            seconds.toFixed(2),
            String(result.create.servicesPerSecond),
            String(result.create.writesPerSecond),
            slicesMirroredSeconds.toFixed(2),
            `${result.apiserverRssMB.before} / ${result.apiserverRssMB.peak} / ${result.apiserverRssMB.after}`,
            String(lag.p50),
            String(lag.p99),
            String(lag.max),
            String(lag.samples),
          ],
        ]),
    );
    console.log(`\nwritten to ${o.out}`);
    return result;
  } finally {
    clearInterval(sampler);
    pidusage.clear();
    for (const i of informers) i.stop();
    client.close();
    await down(name);
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function measureLag(client: ApiClient, scratch: string, informers: Informer<never>[], podCount: number, flips: number): Promise<Percentiles & { samples: number; services: number }> {
  const pods = new Informer<Pod>(client, types.pods, { namespace: lagNs }).start();
  const slices = new Informer<EndpointSlice>(client, types.endpointslices, { namespace: lagNs }).start();
  informers.push(pods as Informer<never>, slices as Informer<never>);
  await Promise.all([pods.synced, slices.synced]);
  const watched = [pods, slices] as Informer<never>[];
  // Per pod, when its Ready condition and its slice last changed (the two watches may deliver in either order).
  const podSeen = new Map<string, { ready: boolean; at: number }>();
  const sliceSeen = new Map<string, { ready: boolean; at: number }>();
  const samples: number[] = [];
  const expected = new Map<string, boolean>(); // pod -> the readiness being flipped to
  const settle = (pod: string): void => {
    const want = expected.get(pod);
    const [p, s] = [podSeen.get(pod), sliceSeen.get(pod)];
    if (want === undefined || p?.ready !== want || s?.ready !== want) return;
    samples.push(Math.max(0, s.at - p.at));
    expected.delete(pod);
  };
  const note = (seen: Map<string, { ready: boolean; at: number }>, pod: string | undefined, ready: boolean | undefined): void => {
    if (!pod || ready === undefined || seen.get(pod)?.ready === ready) return;
    seen.set(pod, { ready, at: performance.now() });
    settle(pod);
  };
  pods.on({ add: (p) => note(podSeen, p.metadata.name, isReady(p)), update: (p) => note(podSeen, p.metadata.name, isReady(p)) });
  const onSlice = (s: EndpointSlice): void => note(sliceSeen, s.metadata.labels?.['kubernetes.io/service-name'], s.endpoints?.[0]?.conditions?.ready);
  slices.on({ add: onSlice, update: onSlice });
  const names = Array.from({ length: podCount }, (_, i) => `lag-${i}`);
  for (const n of names) {
    // The service is named after its pod; the pod's probe fails while scratch/<pod> exists.
    await client.create(types.services, { metadata: { name: n }, spec: { selector: { 'bench-pod': n }, ports: [{ port: 80 }] } } as Service, lagNs);
    await client.create(types.pods, {
      metadata: { name: n, labels: { 'bench-pod': n } },
      spec: {
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'main', image: 'lab/toolbox', readinessProbe: { exec: { command: ['sh', '-c', `test ! -e ${scratch}/$(hostname)`] }, periodSeconds: 1, failureThreshold: 1 } }],
      },
    } as Pod, lagNs);
  }
  const sliceReady = (n: string, ready: boolean): boolean => slices.list().some((s) => s.metadata.labels?.['kubernetes.io/service-name'] === n && s.endpoints?.[0]?.conditions?.ready === ready);
  await until(watched, () => names.every((n) => sliceReady(n, true)), `${podCount} ready endpoints`, 300_000);
  for (let round = 0; round < flips; round++) {
    for (const ready of [false, true]) {
      for (const n of names) {
        expected.set(n, ready);
        if (ready) fs.rmSync(path.join(scratch, n));
        else fs.writeFileSync(path.join(scratch, n), '');
      }
      await until(watched, () => expected.size === 0, `${podCount} slices to show ready=${ready}`, 60_000);
    }
  }
  console.log(`endpoint lag: ${samples.length} samples over ${podCount} selector services`);
  return { ...percentiles(samples), samples: samples.length, services: podCount };
}

export const benchServices: Command = {
  summary: 'N Services with 2 endpoints each: API write throughput, API server RSS, endpoint controller lag',
  usage: '[--count 10000] [--nodes 1] [--in-flight 32] [--lag-pods 20] [--flips 3] [--out bench-results/services.json]',
  async run(argv) {
    const { values } = parse('bench services', argv, {
      count: { type: 'string', default: '10000' },
      nodes: { type: 'string', default: '1' },
      'in-flight': { type: 'string', default: '32' },
      'lag-pods': { type: 'string', default: '20' },
      flips: { type: 'string', default: '3' },
      out: { type: 'string', default: `${home}/bench-results/services.json` },
    });
    const n = (flag: keyof typeof values): number => positive('bench services', flag, values[flag] as string);
    await runBenchServices({ count: n('count'), nodes: n('nodes'), inFlight: n('in-flight'), lagPods: n('lag-pods'), flips: n('flips'), out: values.out });
  },
};
