// Every seed tutorial replayed with nodes and pods as Docker containers, in
// iptables and nftables modes: the same scenario files, the same expectations.
import test from 'ava';
import path from 'node:path';
import { runLibrary } from '../../../src/cli/run.js';
import { runReport } from '../../../src/scenario/report/console.js';
import { labName, repo } from '../../helpers/lab.js';
import { dockerE2e } from '../../helpers/root.js';

const it = await dockerE2e(test);

it.serial('the seed scenarios pass on the docker runtime in iptables and nftables modes', async (t) => {
  t.timeout(30 * 60_000);
  const { results } = await runLibrary([path.join(repo, 'scenarios', 'seeds')], { parallel: 2, runtime: 'docker', modes: ['iptables', 'nftables'], labPrefix: `${labName('dseed')}-` });
  const failed = results.filter((r) => r.status !== 'passed');
  t.deepEqual(failed.map((r) => `${r.scenario.file} [${r.proxyMode}] ${r.status}`), [], failed.flatMap((r) => runReport(r, false)).join('\n'));
  t.true(results.length >= 20, `${results.length} runs`);
});
