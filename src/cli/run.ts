// `lab run FILE|DIR...`: runs scenario files (docs/scenarios.md) on fresh labs,
// prints progress and a report, writes JUnit XML, exits non-zero on failure.
import fs from 'node:fs';
import path from 'node:path';
import { proxyModes, type ProxyMode } from '../agent/proxy/modes.js';
import { runtimes, stores, validateLabName, type RuntimeName, type StoreName } from '../lab/plan.js';
import { requireRoot } from '../lab/preflight.js';
import { loadScenarios, ScenarioError } from '../scenario/parse.js';
import { consoleProgress, runReport, summary } from '../scenario/report/console.js';
import { junitXml } from '../scenario/report/junit.js';
import { jobsFor, runJobs, type Job, type RunOptions } from '../scenario/runner.js';
import type { RunResult, Scenario } from '../scenario/model.js';
import { type Command, parse, UsageError } from './args.js';

export interface RunLibraryOptions extends RunOptions {
  /** The runs to make of the loaded scenarios (default: jobsFor, each scenario in its modes). */
  jobs?: (scenarios: Scenario[]) => Job[];
  junit?: string;
  verbose?: boolean;
  write?: (line: string) => void;
}

/** Loads, runs and reports; returns the exit code (0 all passed or skipped, 1 a failure, 2 bad scenario files). */
export async function runLibrary(targets: string[], o: RunLibraryOptions = {}): Promise<{ code: number; results: RunResult[] }> {
  let scenarios: Scenario[];
  try {
    scenarios = loadScenarios(targets); // bad files fail here, before any lab is built
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    console.error(e.message);
    return { code: 2, results: [] };
  }
  requireRoot('run');
  const write = o.write ?? ((l: string) => console.log(l));
  const jobs = o.jobs?.(scenarios) ?? jobsFor(scenarios, o);
  const parallel = o.parallel ?? 1;
  write(`lab run: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}, ${jobs.length} run${jobs.length === 1 ? '' : 's'}, ${parallel} lab${parallel === 1 ? '' : 's'} at a time\n`);
  const abort = new AbortController();
  const onSignal = (): void => {
    write('\ninterrupted: finishing the current steps and taking the labs down (Ctrl-C again to leave now)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // A closed stdout (| head) must not kill the run before its labs are down (nor after: writes may still be in flight).
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => undefined);
  const started = Date.now();
  try {
    const results = await runJobs(jobs, { ...o, signal: o.signal ?? abort.signal, onProgress: o.onProgress ?? consoleProgress({ verbose: o.verbose, prefixed: parallel > 1, write }) });
    const elapsed = Date.now() - started;
    if (parallel > 1) {
      // Side by side, the failure blocks were interleaved with other runs' lines: repeat them together.
      for (const r of results.filter((x) => x.status === 'failed')) write(['', ...runReport(r, false)].join('\n'));
    }
    write(['', ...summary(results, elapsed)].join('\n'));
    if (o.junit) {
      fs.mkdirSync(path.dirname(path.resolve(o.junit)), { recursive: true });
      fs.writeFileSync(o.junit, junitXml(results, elapsed));
      write(`JUnit XML: ${o.junit}`);
    }
    return { code: results.some((r) => r.status === 'failed') ? 1 : 0, results };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export const runCommand: Command = {
  summary: 'run scenario files (a cluster, manifests, steps with expectations); JUnit XML for CI',
  usage: 'FILE|DIR... [--junit out.xml] [--keep] [-j|--parallel N] [--proxy-mode MODE[,MODE]] [--runtime netns|docker] [--store embedded|etcd] [--hosts N] [-v|--verbose] [--lab-prefix P]',
  async run(argv) {
    const { values, positionals } = parse(
      'run',
      argv,
      {
        junit: { type: 'string' },
        keep: { type: 'boolean', default: false },
        parallel: { type: 'string', short: 'j', default: '1' },
        'proxy-mode': { type: 'string' },
        runtime: { type: 'string' },
        store: { type: 'string', default: process.env.SVCLAB_STORE ?? 'embedded' },
        hosts: { type: 'string' },
        verbose: { type: 'boolean', short: 'v', default: false },
        'lab-prefix': { type: 'string' },
      },
      true,
    );
    if (positionals.length === 0) throw new UsageError('lab run: name at least one scenario file or directory (e.g. lab run scenarios/)');
    if (!/^[1-9]\d*$/.test(values.parallel)) throw new UsageError(`lab run: --parallel must be a whole number of at least 1 (got "${values.parallel}")`);
    const modes = values['proxy-mode']?.split(',');
    const wrong = modes?.find((m) => !(proxyModes as readonly string[]).includes(m));
    if (wrong) throw new UsageError(`lab run: --proxy-mode must be one of ${proxyModes.join(', ')} (got "${wrong}")`);
    const runtime = values.runtime as RuntimeName | undefined;
    if (runtime && !runtimes.includes(runtime)) throw new UsageError(`lab run: --runtime must be one of ${runtimes.join(', ')} (got "${runtime}")`);
    const store = values.store as StoreName;
    if (!stores.includes(store)) throw new UsageError(`lab run: --store must be one of ${stores.join(', ')} (got "${store}")`);
    if (values.hosts !== undefined && !/^[1-9]\d*$/.test(values.hosts)) throw new UsageError(`lab run: --hosts must be a whole number of at least 1 (got "${values.hosts}")`);
    const hosts = values.hosts === undefined ? undefined : Number(values.hosts);
    const prefix = values['lab-prefix'];
    const bad = prefix === undefined ? undefined : validateLabName(`${prefix}999`);
    if (bad) throw new UsageError(`lab run: --lab-prefix: ${bad}`);
    const o = { junit: values.junit, keep: values.keep, parallel: Number(values.parallel), modes: modes as ProxyMode[] | undefined, runtime, store, hosts, verbose: values.verbose, labPrefix: prefix };
    return (await runLibrary(positionals, o)).code;
  },
};
