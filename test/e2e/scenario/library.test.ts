// CI runs the whole scenario library: every behaviour in every proxy mode the
// kernel has (the others reported as skipped with the kernel's reason), and
// every seed tutorial. JUnit XML goes to dist/test-results/scenarios.xml.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { proxyModeProblems } from '../../../src/lab/preflight.js';
import { labProcesses } from '../../../src/lab/processes.js';
import { listLabs } from '../../../src/lab/state.js';
import { runLibrary } from '../../../src/cli/run.js';
import { runReport } from '../../../src/scenario/report/console.js';
import { labName, repo } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const prefix = `${labName('slib')}-`;
const parallel = Number(process.env.SVCLAB_SCENARIO_PARALLEL ?? 3);

function leftovers(): string[] {
  const mine = (n: string): boolean => n.startsWith(prefix);
  const netns = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => mine(n.replace(/^svclab-/, ''))) : [];
  return [...netns, ...listLabs().filter(mine), ...[...labProcesses().keys()].filter(mine)];
}

it.serial('every scenario of the library passes in every proxy mode this kernel has', async (t) => {
  t.timeout(30 * 60_000);
  const junit = path.join(repo, 'dist', 'test-results', 'scenarios.xml');
  const { code, results } = await runLibrary([path.join(repo, 'scenarios')], { parallel, labPrefix: prefix, junit });

  const failed = results.filter((r) => r.status === 'failed');
  t.deepEqual(failed.map((r) => `${r.scenario.file} [${r.proxyMode}]`), [], failed.flatMap((r) => runReport(r, false)).join('\n'));
  t.is(code, failed.length ? 1 : 0);

  // A mode is skipped only because the kernel lacks it, and then always with the kernel's reason.
  for (const r of results.filter((x) => x.status === 'skipped')) {
    const problems = await proxyModeProblems(r.proxyMode);
    t.true(problems.length > 0, `${r.scenario.file} [${r.proxyMode}] was skipped although the kernel has the mode`);
    t.is(r.reason, problems.join('; '));
  }
  const files = new Set(results.map((r) => r.scenario.file));
  t.true(files.size >= 35, `${files.size} scenario files ran`);
  t.true(results.filter((r) => r.status === 'passed').length >= files.size);
  t.regex(fs.readFileSync(junit, 'utf8'), new RegExp(`<testsuites name="svclab scenarios" tests="\\d+" failures="${failed.length ? '[1-9]\\d*' : 0}"`));
  t.deepEqual(leftovers(), [], 'every lab was taken down');
});
