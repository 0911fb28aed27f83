// CI runs the whole scenario library: every behaviour in every proxy mode the
// kernel has (the others reported as skipped with the kernel's reason), and
// every seed tutorial. JUnit XML goes to dist/test-results/scenarios.xml.
// Issue #18's promises are proven on the way, at the cost of one run per
// scenario without a matrix: every scenario runs in iptables and nftables on 2
// simulated hosts, the nftables-maps runs keep their objects in etcd, and
// userspace (and ipvs, where the kernel has it) stay on one host.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { proxyModeProblems } from '../../../src/lab/preflight.js';
import { labProcesses } from '../../../src/lab/processes.js';
import { listLabs } from '../../../src/lab/state.js';
import { runLibrary } from '../../../src/cli/run.js';
import { runReport } from '../../../src/scenario/report/console.js';
import { jobsFor, type Job } from '../../../src/scenario/runner.js';
import type { RunResult, Scenario } from '../../../src/scenario/model.js';
import type { Ctx } from '../../../src/scenario/context.js';
import type { ProxyMode } from '../../../src/agent/proxy/modes.js';
import { labName, repo } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const prefix = `${labName('slib')}-`;
const parallel = Number(process.env.SVCLAB_SCENARIO_PARALLEL ?? 3);

const multiHost: ProxyMode[] = ['iptables', 'nftables'];

function jobs(scenarios: Scenario[]): Job[] {
  return [
    ...jobsFor(scenarios, { modes: multiHost, labPrefix: `${prefix}h` }).map((j) => ({ ...j, hosts: 2 })),
    ...jobsFor(scenarios, { labPrefix: prefix })
      .filter((j) => !multiHost.includes(j.mode))
      .map((j): Job => (j.mode === 'nftables-maps' ? { ...j, store: 'etcd' } : j)),
  ];
}

function leftovers(): string[] {
  const mine = (n: string): boolean => n.startsWith(prefix);
  const netns = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => mine(n.replace(/^svclab-/, ''))) : [];
  return [...netns, ...listLabs().filter(mine), ...[...labProcesses().keys()].filter(mine)];
}

it.serial('every scenario of the library passes in every proxy mode this kernel has', async (t) => {
  t.timeout(30 * 60_000);
  const junit = path.join(repo, 'dist', 'test-results', 'scenarios.xml');
  // What each lab really was, from its own plan: how many hosts, which store.
  const labs = new Map<string, string>();
  const beforeStep = async (ctx: Ctx): Promise<void> => void labs.set(ctx.lab, `${ctx.plan.overlay?.hosts.length ?? 1} hosts, ${ctx.plan.store}`);
  const { code, results } = await runLibrary([path.join(repo, 'scenarios')], { parallel, jobs, junit, beforeStep });

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
  const passedIn = (mode: ProxyMode): Set<string> => new Set(results.filter((r) => r.proxyMode === mode && r.status === 'passed').map((r) => r.scenario.file));
  for (const mode of multiHost) t.is(passedIn(mode).size, files.size, `every scenario passed in ${mode}`);
  t.true(passedIn('nftables-maps').size >= 30, 'the behaviours passed in nftables-maps');
  const where = (r: RunResult): string => (multiHost.includes(r.proxyMode) ? '2 hosts, embedded' : r.proxyMode === 'nftables-maps' ? '1 hosts, etcd' : '1 hosts, embedded');
  for (const r of results.filter((x) => x.status === 'passed')) t.is(labs.get(r.lab), where(r), `${r.scenario.file} [${r.proxyMode}] ran on its lab`);
  t.regex(fs.readFileSync(junit, 'utf8'), new RegExp(`<testsuites name="svclab scenarios" tests="\\d+" failures="${failed.length ? '[1-9]\\d*' : 0}"`));
  t.deepEqual(leftovers(), [], 'every lab was taken down');
});
