// `lab bench pods`: how fast pods come up on a 3-node lab. (1) create ->
// Ready latency of bare pods: the local time a pod informer shows the pod
// Ready minus the local time its create was sent (Ready's lastTransitionTime
// has only second precision); (2) the time a Deployment takes from 0 to N Ready
// pods after `scale`. Pods run lab/toolbox (an idle process), so the numbers
// are the control plane's and the kubelet's, not an application's start-up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pidusage from 'pidusage';
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { Deployment, KubeObject, Pod } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { down, up } from '../lab/lifecycle.js';
import { home, readComponents } from '../lab/state.js';
import { adminConnection } from '../lab/credentials.js';
import { programPid } from '../lab/processes.js';
import { table } from '../lab/status.js';
import { type Command, parse, UsageError } from '../cli/args.js';
import { poll } from '../util/poll.js';

export interface Percentiles {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles, in the unit of xs, to one decimal. */
export function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => Math.round((s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN) * 10) / 10;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** Writes the results with the host's load average: on a shared machine, other work shows up in the numbers. */
export function writeResults(out: string, benchmark: string, results: unknown): void {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const loadAverage = os.loadavg().map((l) => Math.round(l * 100) / 100);
  fs.writeFileSync(out, JSON.stringify({ benchmark, date: new Date().toISOString(), cpus: os.cpus().length, loadAverage, results }, null, 2) + '\n');
}

/** RSS in MB of the lab's components whose name passes the filter, by component (its node process). */
export async function componentRss(lab: string, which: (name: string) => boolean): Promise<Record<string, number>> {
  const comps = readComponents(lab).filter((c) => c.pid && which(c.name));
  const pids = new Map(comps.map((c) => [c.name, programPid(c.pid!, fs.realpathSync(process.execPath)) ?? c.pid!]));
  const usage = await pidusage([...pids.values()]);
  pidusage.clear();
  return Object.fromEntries([...pids].map(([name, pid]) => [name, Math.round((usage[pid]!.memory / 1024 / 1024) * 10) / 10]));
}

/** Resolves when pred holds after an informer event (or at once), rejects after timeoutMs. */
export function until(informers: Informer<never>[], pred: () => boolean, what: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false; // informers keep their handlers: stop evaluating once settled
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = (): void => {
      if (done || !pred()) return;
      done = true;
      clearTimeout(timer);
      resolve();
    };
    for (const i of informers) i.on({ add: check, update: check, delete: check });
    check();
  });
}

interface PodsResult {
  nodes: number;
  replicas: number;
  createToReadyMs: Percentiles & { allReadySeconds: number };
  /** Milliseconds after the scale request: the first/last pod seen created, the last bound, the first Ready. */
  scaleUp: { seconds: number; target: string; firstCreatedMs: number; allCreatedMs: number; allBoundMs: number; firstReadyMs: number };
  apiserverRssMB: number;
  agentRssMB: Record<string, number>;
}

const ns = 'bench';
const toolbox = { name: 'main', image: 'lab/toolbox' };

/** Creates Deployment "scale" at 0 replicas, then scales it to N; returns when the scale request was sent. */
async function scaleFromZero(client: ApiClient, namespace: string, replicas: number): Promise<number> {
  await client.create(types.deployments, {
    metadata: { name: 'scale' },
    spec: { replicas: 0, selector: { matchLabels: { app: 'scale' } }, template: { metadata: { labels: { app: 'scale' } }, spec: { terminationGracePeriodSeconds: 0, containers: [toolbox] } } },
  } as Deployment, namespace);
  await poll(async () => (await client.list(types.replicasets, namespace)).items.length > 0, { timeoutMs: 5000, everyMs: 50 });
  const scaledAt = performance.now();
  await client.patch(types.deployments, 'scale', { spec: { replicas } }, namespace, 'scale');
  return scaledAt;
}

/** Seconds from scaling a fresh Deployment 0 -> N to N Ready pods. */
export async function timeScaleUp(client: ApiClient, namespace: string, replicas: number): Promise<number> {
  const pods = new Informer<Pod>(client, types.pods, { namespace });
  pods.start();
  try {
    await pods.synced;
    const scaledAt = await scaleFromZero(client, namespace, replicas);
    await until([pods as Informer<never>], () => pods.list().filter(isReady).length >= replicas, `${replicas} Ready pods of the Deployment`, 300_000);
    return (performance.now() - scaledAt) / 1000;
  } finally {
    pods.stop();
  }
}

async function runBenchPods(o: { replicas: number; out: string; name?: string }): Promise<PodsResult> {
  const name = o.name ?? 'benchpods';
  const nodes = 3;
  const state = await up({ name, nodes });
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 30_000 });
  const pods = new Informer<Pod>(client, types.pods, { namespace: ns });
  const sentAt = new Map<string, number>();
  // When this process first saw each pod exist, bound to a node, and Ready.
  const createdAt = new Map<string, number>();
  const boundAt = new Map<string, number>();
  const readyAt = new Map<string, number>();
  const seen = (p: Pod): void => {
    const now = performance.now();
    const key = p.metadata.name!;
    if (!createdAt.has(key)) createdAt.set(key, now);
    if (p.spec.nodeName && !boundAt.has(key)) boundAt.set(key, now);
    if (isReady(p) && !readyAt.has(key)) readyAt.set(key, now);
  };
  pods.on({ add: seen, update: seen });
  try {
    await client.create(types.namespaces, { metadata: { name: ns } } as KubeObject);
    pods.start();
    await pods.synced;
    const all = [pods as Informer<never>];

    // 1. Bare pods, created one request after another: create -> Ready.
    const started = performance.now();
    for (let i = 0; i < o.replicas; i++) {
      const podName = `pod-${i}`;
      sentAt.set(podName, performance.now());
      await client.create(types.pods, { metadata: { name: podName }, spec: { terminationGracePeriodSeconds: 0, containers: [toolbox] } } as Pod, ns);
    }
    await until(all, () => [...sentAt.keys()].every((n) => readyAt.has(n)), `${o.replicas} Ready pods`, 300_000);
    const latencies = [...sentAt].map(([n, t]) => readyAt.get(n)! - t);
    const allReadySeconds = (Math.max(...readyAt.values()) - started) / 1000;
    console.log(`create -> Ready: ${o.replicas} pods all Ready after ${allReadySeconds.toFixed(2)} s`);
    const rss = { apiserver: (await componentRss(name, (c) => c === 'apiserver')).apiserver!, agents: await componentRss(name, (c) => c.startsWith('agent-')) };

    await Promise.all([...sentAt.keys()].map((n) => client.delete(types.pods, n, ns, { gracePeriodSeconds: 0 })));
    await until(all, () => pods.list().length === 0, 'the bare pods to be gone', 300_000);
    for (const m of [createdAt, boundAt, readyAt]) m.clear();

    // 2. A Deployment at 0 replicas, then scaled to N: scale request -> N Ready pods.
    const scaledAt = await scaleFromZero(client, ns, o.replicas);
    await until(all, () => pods.list().filter(isReady).length >= o.replicas, `${o.replicas} Ready pods of the Deployment`, 300_000);
    const since = (m: Map<string, number>, f: (...xs: number[]) => number): number => Math.round(f(...m.values()) - scaledAt);
    const scaleSeconds = since(readyAt, Math.max) / 1000;
    const stages = { firstCreatedMs: since(createdAt, Math.min), allCreatedMs: since(createdAt, Math.max), allBoundMs: since(boundAt, Math.max), firstReadyMs: since(readyAt, Math.min) };
    console.log(`scale 0 -> ${o.replicas}: all Ready after ${scaleSeconds.toFixed(2)} s`);

    const result: PodsResult = {
      nodes,
      replicas: o.replicas,
      createToReadyMs: { ...percentiles(latencies), allReadySeconds },
      scaleUp: { seconds: scaleSeconds, target: '< 5 s', ...stages },
      apiserverRssMB: rss.apiserver,
      agentRssMB: rss.agents,
    };
    writeResults(o.out, 'pods', result);
    console.log(
      '\n' +
        table([
          ['PODS', 'NODES', 'CREATE->READY p50 (ms)', 'p99 (ms)', 'max (ms)', 'SCALE 0->N (s)', 'APISERVER RSS (MB)'],
          [String(o.replicas), String(nodes), String(result.createToReadyMs.p50), String(result.createToReadyMs.p99), String(result.createToReadyMs.max), scaleSeconds.toFixed(2), String(rss.apiserver)],
        ]),
    );
    console.log(`\nwritten to ${o.out}`);
    return result;
  } finally {
    pods.stop();
    client.close();
    await down(name);
  }
}

/** A flag that must be a positive whole number. */
export function positive(command: string, flag: string, value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`lab ${command}: --${flag} must be a positive whole number (got "${value}")`);
  return Number(value);
}

export const benchPods: Command = {
  summary: 'pod create -> Ready latency and Deployment scale 0 -> N on 3 nodes',
  usage: '[--replicas 100] [--out bench-results/pods.json]',
  async run(argv) {
    const { values } = parse('bench pods', argv, {
      replicas: { type: 'string', default: '100' },
      out: { type: 'string', default: `${home}/bench-results/pods.json` },
    });
    await runBenchPods({ replicas: positive('bench pods', 'replicas', values.replicas), out: values.out });
  },
};
