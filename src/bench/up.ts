// `lab bench up`: time from `lab up` to all nodes Ready, each agent's RSS and
// optionally a Deployment scaled 0 -> N, for several cluster sizes and runtimes
// in one run. Results go to a JSON file and a table on stdout.
import { down, up } from '../lab/lifecycle.js';
import { ApiClient } from '../client/client.js';
import type { RuntimeName, StoreName } from '../lab/plan.js';
import { adminConnection } from '../lab/credentials.js';
import { sleep } from '../util/poll.js';
import { componentRss, timeScaleUp, writeResults } from './pods.js';
import { table } from '../lab/status.js';

export interface UpResult {
  runtime: RuntimeName;
  store: StoreName;
  nodes: number;
  /** Simulated hosts the nodes were spread over (lab up --hosts). */
  hosts: number;
  runs: number;
  /** From starting `lab up` to every node Ready. */
  readySeconds: { min: number; median: number; max: number };
  /** From starting `lab up` to it returning (nodes Ready and the cluster DNS serving). */
  upSeconds: { median: number; max: number };
  agentRssMB: { median: number; max: number };
  apiserverRssMB: number;
  /** Scale request -> every pod Ready (when --pods was given). */
  podsReady?: { pods: number; seconds: { median: number; max: number } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runBenchUp(o: { sizes: number[]; runs: number; out: string; runtimes: RuntimeName[]; stores?: StoreName[]; hosts?: number[]; pods: number }): Promise<UpResult[]> {
  const configs = o.runtimes.flatMap((runtime) => (o.stores ?? ['embedded']).flatMap((store) => (o.hosts ?? [1]).flatMap((hosts) => o.sizes.map((nodes) => ({ runtime, store, hosts, nodes })))));
  const samples = configs.map(() => ({ times: [] as number[], podTimes: [] as number[], upTimes: [] as number[], agentRss: [] as number[], apiRss: 0 }));
  // Runs outermost: on a shared machine, load that comes and goes then falls on every configuration alike.
  for (let run = 0; run < o.runs; run++)
  for (const [i, { runtime, store, hosts, nodes }] of configs.entries()) {
    const s = samples[i]!;
    const name = `bench${nodes}`;
    const t0 = Date.now();
    const state = await up({ name, nodes, runtime, store, hosts });
    s.upTimes.push((Date.now() - t0) / 1000);
    s.times.push((Date.parse(state.nodesReadyAt!) - t0) / 1000);
    try {
      await sleep(3000); // let the agents settle after start-up
      const rss = await componentRss(name, (c) => c.startsWith('agent-') || c === 'apiserver');
      for (const [component, mb] of Object.entries(rss)) {
        if (component.startsWith('agent-')) s.agentRss.push(mb);
        else s.apiRss = Math.max(s.apiRss, mb);
      }
      if (o.pods > 0) {
        const client = new ApiClient({ ...adminConnection(state), timeoutMs: 30_000 });
        try {
          s.podTimes.push(await timeScaleUp(client, 'default', o.pods));
        } finally {
          client.close();
        }
      }
    } finally {
      await down(name);
    }
    const podsNote = o.pods > 0 ? `, ${o.pods} pods Ready in ${s.podTimes.at(-1)!.toFixed(2)} s` : '';
    console.log(`${runtime} store=${store} hosts=${hosts} nodes=${nodes} run=${run + 1}: nodes Ready in ${s.times.at(-1)!.toFixed(2)} s, lab up returned in ${s.upTimes.at(-1)!.toFixed(2)} s${podsNote}`);
  }
  const results: UpResult[] = configs.map(({ runtime, store, hosts, nodes }, i) => {
    const { times, podTimes, upTimes, agentRss, apiRss } = samples[i]!;
    return {
      runtime,
      store,
      nodes,
      hosts,
      runs: o.runs,
      readySeconds: { min: Math.min(...times), median: median(times), max: Math.max(...times) },
      upSeconds: { median: median(upTimes), max: Math.max(...upTimes) },
      agentRssMB: { median: median(agentRss), max: Math.max(...agentRss) },
      apiserverRssMB: apiRss,
      ...(o.pods > 0 ? { podsReady: { pods: o.pods, seconds: { median: median(podTimes), max: Math.max(...podTimes) } } } : {}),
    };
  });
  writeResults(o.out, 'up', results);
  console.log(
    '\n' +
      table([
        ['RUNTIME', 'STORE', 'HOSTS', 'NODES', 'NODES READY (median s)', 'NODES READY (max s)', 'UP RETURNED (median s)', 'PODS READY (median s)', 'AGENT RSS (median MB)', 'AGENT RSS (max MB)', 'APISERVER RSS (MB)'],
        ...results.map((r) => [
          r.runtime,
          r.store,
          String(r.hosts),
          String(r.nodes),
          r.readySeconds.median.toFixed(2),
          r.readySeconds.max.toFixed(2),
          r.upSeconds.median.toFixed(2),
          r.podsReady ? `${r.podsReady.seconds.median.toFixed(2)} (${r.podsReady.pods})` : '-',
          r.agentRssMB.median.toFixed(1),
          r.agentRssMB.max.toFixed(1),
          r.apiserverRssMB.toFixed(1),
        ]),
      ]),
  );
  console.log(`\nwritten to ${o.out}`);
  return results;
}
