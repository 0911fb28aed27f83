// `lab bench up`: time from `lab up` to all nodes Ready, and each agent's RSS,
// for several cluster sizes. Results go to a JSON file and a table on stdout.
import fs from 'node:fs';
import path from 'node:path';
import pidusage from 'pidusage';
import { down, up } from '../lab/lifecycle.js';
import { readComponents } from '../lab/state.js';
import { table } from '../lab/status.js';

export interface UpResult {
  nodes: number;
  runs: number;
  /** From starting `lab up` to every node Ready. */
  readySeconds: { min: number; median: number; max: number };
  /** From starting `lab up` to it returning (nodes Ready and the cluster DNS serving). */
  upSeconds: { median: number; max: number };
  agentRssMB: { median: number; max: number };
  apiserverRssMB: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runBenchUp(o: { sizes: number[]; runs: number; out: string }): Promise<UpResult[]> {
  const results: UpResult[] = [];
  for (const nodes of o.sizes) {
    const times: number[] = [];
    const upTimes: number[] = [];
    const agentRss: number[] = [];
    let apiRss = 0;
    for (let run = 0; run < o.runs; run++) {
      const name = `bench${nodes}`;
      const t0 = Date.now();
      const state = await up({ name, nodes });
      upTimes.push((Date.now() - t0) / 1000);
      times.push((Date.parse(state.nodesReadyAt!) - t0) / 1000);
      try {
        await new Promise((r) => setTimeout(r, 3000)); // let the agents settle after start-up
        const comps = readComponents(name).filter((c) => c.pid);
        const usage = await pidusage(comps.map((c) => c.pid!));
        for (const c of comps) {
          const mb = usage[c.pid!]!.memory / 1024 / 1024;
          if (c.name.startsWith('agent-')) agentRss.push(mb);
          if (c.name === 'apiserver') apiRss = Math.max(apiRss, mb);
        }
      } finally {
        await down(name);
      }
      console.log(`nodes=${nodes} run=${run + 1}: nodes Ready in ${times.at(-1)!.toFixed(2)} s, lab up returned in ${upTimes.at(-1)!.toFixed(2)} s`);
    }
    results.push({
      nodes,
      runs: o.runs,
      readySeconds: { min: Math.min(...times), median: median(times), max: Math.max(...times) },
      upSeconds: { median: median(upTimes), max: Math.max(...upTimes) },
      agentRssMB: { median: median(agentRss), max: Math.max(...agentRss) },
      apiserverRssMB: apiRss,
    });
  }
  pidusage.clear();
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify({ benchmark: 'up', date: new Date().toISOString(), results }, null, 2) + '\n');
  console.log(
    '\n' +
      table([
        ['NODES', 'NODES READY (median s)', 'NODES READY (max s)', 'UP RETURNED (median s)', 'AGENT RSS (median MB)', 'AGENT RSS (max MB)', 'APISERVER RSS (MB)'],
        ...results.map((r) => [String(r.nodes), r.readySeconds.median.toFixed(2), r.readySeconds.max.toFixed(2), r.upSeconds.median.toFixed(2), r.agentRssMB.median.toFixed(1), r.agentRssMB.max.toFixed(1), r.apiserverRssMB.toFixed(1)]),
      ]),
  );
  console.log(`\nwritten to ${o.out}`);
  return results;
}
