// Running scenarios: one job per scenario and proxy mode, each on its own lab
// (built, driven step by step, always torn down unless kept), several at once.
import path from 'node:path';
import { ApiClient } from '../client/client.js';
import { down, up } from '../lab/lifecycle.js';
import { defaultProxyMode, proxyModes, type ProxyMode } from '../agent/proxy/modes.js';
import type { RuntimeName, StoreName } from '../lab/plan.js';
import { proxyModeProblems } from '../lab/preflight.js';
import { adminConnection } from '../lab/credentials.js';
import { Aborted, durationMs, type Ctx } from './context.js';
import { defaultNodes, type RunResult, type Scenario, type Step, type StepResult } from './model.js';
import { applySource, sourceObjects } from './steps/objects.js';
import { attempt, runStep, stepTitle } from './steps/index.js';

export interface Job {
  scenario: Scenario;
  mode: ProxyMode;
  lab: string;
  /** This run's simulated hosts and store, over the run options' (CI spreads some modes over hosts, one onto etcd). */
  hosts?: number;
  store?: StoreName;
}

export type Progress =
  | { kind: 'job-start'; job: Job }
  | { kind: 'setup'; job: Job; what: string }
  | { kind: 'note'; job: Job; text: string }
  | { kind: 'step-start'; job: Job; index: number; title: string }
  | { kind: 'step-end'; job: Job; step: StepResult }
  | { kind: 'job-end'; job: Job; result: RunResult };

export interface RunOptions {
  /** Leave each lab running afterwards. */
  keep?: boolean;
  /** Labs at a time. */
  parallel?: number;
  /** Run in these modes instead of the scenario's own (a matrix is narrowed to them). */
  modes?: ProxyMode[];
  /** Run on this runtime instead of the scenario's own. */
  runtime?: RuntimeName;
  /** Where the labs' API servers keep objects (default: the embedded store). */
  store?: StoreName;
  /** Spread each lab over this many simulated hosts instead of the scenario's own (cluster.hosts, default 1). */
  hosts?: number;
  /** Lab names are <prefix><n> (at most 20 characters in all). */
  labPrefix?: string;
  onProgress?: (p: Progress) => void;
  /** Called before each step runs (tests use it to break the lab on purpose). */
  beforeStep?: (ctx: Ctx, index: number, step: Step) => Promise<void>;
  signal?: AbortSignal;
}

export function modesOf(s: Scenario, only?: ProxyMode[]): ProxyMode[] {
  const m = s.cluster?.matrix?.proxyMode;
  if (!m) return only ?? [s.cluster?.proxyMode ?? defaultProxyMode];
  const modes = m === 'all' ? [...proxyModes] : m;
  return only ? modes.filter((x) => only.includes(x)) : modes;
}

/**
 * The nodes and hosts of a job's lab. A run spread over more hosts than the scenario has nodes
 * (`lab run --hosts 3` on a 2-node scenario) gets one node per host: every host carries a node, and
 * what a scenario checks about Services does not depend on how many nodes there are beyond its own.
 */
export function labShape(s: Scenario, hosts?: number): { nodes: number; hosts: number; raised: boolean } {
  const own = s.cluster?.nodes ?? defaultNodes;
  const h = hosts ?? s.cluster?.hosts ?? 1;
  return { nodes: Math.max(own, h), hosts: h, raised: h > own };
}

export function jobsFor(scenarios: Scenario[], opts: RunOptions = {}): Job[] {
  const prefix = opts.labPrefix ?? `r${process.pid % 10000}-`;
  let n = 0;
  return scenarios.flatMap((scenario) => modesOf(scenario, opts.modes).map((mode) => ({ scenario, mode, lab: `${prefix}${++n}` })));
}

const problemsByMode = new Map<ProxyMode, Promise<string[]>>();
function modeProblems(mode: ProxyMode): Promise<string[]> {
  if (!problemsByMode.has(mode)) problemsByMode.set(mode, proxyModeProblems(mode));
  return problemsByMode.get(mode)!;
}

function notRun(s: Scenario, from: number, reason: string): StepResult[] {
  return s.steps.slice(from).map((step, i) => ({
    index: from + i + 1,
    line: s.stepLines[from + i] ?? 0,
    title: stepTitle(step),
    status: 'not run' as const,
    ms: 0,
    attempts: 0,
    checks: [],
    details: [],
    diagnostics: [],
    reason,
  }));
}

export async function runJob(job: Job, opts: RunOptions = {}): Promise<RunResult> {
  const { scenario: s, mode, lab } = job;
  const started = Date.now();
  const emit = opts.onProgress ?? (() => undefined);
  const signal = opts.signal ?? new AbortController().signal;
  const result = (status: RunResult['status'], steps: StepResult[], reason?: string, kept = false): RunResult => ({
    scenario: { name: s.name, file: s.file, behaviour: s.behaviour },
    proxyMode: mode,
    lab,
    status,
    reason,
    steps,
    ms: Date.now() - started,
    kept,
  });
  if (signal.aborted) return result('failed', notRun(s, 0, 'interrupted'), 'interrupted');
  emit({ kind: 'job-start', job });
  const problems = await modeProblems(mode);
  if (problems.length > 0) {
    const r = result('skipped', [], problems.join('; '));
    emit({ kind: 'job-end', job, result: r });
    return r;
  }
  const c = s.cluster ?? {};
  let client: ApiClient | undefined;
  const steps: StepResult[] = [];
  let outcome: RunResult;
  try {
    const runtime = opts.runtime ?? c.runtime ?? 'netns';
    const { nodes, hosts, raised } = labShape(s, job.hosts ?? opts.hosts);
    const store = job.store ?? opts.store;
    emit({ kind: 'setup', job, what: `lab up (${nodes} nodes${raised ? ', one per host' : ''}${hosts > 1 ? ` on ${hosts} hosts` : ''}, ${mode}${runtime === 'netns' ? '' : `, ${runtime} runtime`}${store === 'etcd' ? ', etcd' : ''})` });
    const state = await up({
      name: lab,
      nodes,
      hosts,
      proxyMode: mode,
      runtime,
      store,
      lbPool: c.lbPool,
      ingress: c.ingress,
      nodeGracePeriodSeconds: c.nodeGracePeriod === undefined ? undefined : Math.max(1, Math.round(durationMs(c.nodeGracePeriod, 10_000) / 1000)),
      // How to reach the lab with kubectl matters only when it is kept.
      log: (text) => opts.keep && emit({ kind: 'note', job, text }),
    });
    client = new ApiClient({ ...adminConnection(state), timeoutMs: 10_000 });
    const ctx: Ctx = {
      lab,
      plan: state.plan,
      api: adminConnection(state),
      client,
      namespace: s.namespace ?? 'default',
      dir: path.dirname(s.file),
      signal,
      check: (step, withinMs) => attempt(ctx, step, withinMs),
      seenPorts: new Map(),
    };
    if (s.manifests?.length) {
      emit({ kind: 'setup', job, what: 'apply manifests' });
      const { refusals } = await applySource(ctx, s.manifests.flatMap((m) => sourceObjects(ctx, m)));
      if (refusals.length > 0) throw new Error(`the manifests were refused: ${refusals.map((r) => r.message).join('; ')}`);
    }
    for (const [i, step] of s.steps.entries()) {
      if (signal.aborted) throw new Aborted('interrupted');
      emit({ kind: 'step-start', job, index: i + 1, title: stepTitle(step) });
      await opts.beforeStep?.(ctx, i, step);
      const r = await runStep(ctx, step, i + 1, s.stepLines[i] ?? 0, mode);
      steps.push(r);
      emit({ kind: 'step-end', job, step: r });
      if (r.status === 'failed') {
        steps.push(...notRun(s, i + 1, `step ${i + 1} failed`));
        break;
      }
    }
    outcome = result(steps.some((r) => r.status === 'failed') ? 'failed' : 'passed', steps, undefined, !!opts.keep);
  } catch (e) {
    const why = e instanceof Aborted ? 'interrupted' : steps.length === 0 ? `the lab could not be set up: ${(e as Error).message}` : (e as Error).message;
    outcome = result('failed', [...steps, ...notRun(s, steps.length, why)], why, !!opts.keep);
  } finally {
    client?.close();
  }
  if (!opts.keep) {
    emit({ kind: 'setup', job, what: 'lab down' });
    await down(lab).catch(() => undefined);
  }
  outcome.ms = Date.now() - started;
  emit({ kind: 'job-end', job, result: outcome });
  return outcome;
}

/** Runs every job, `parallel` labs at a time; results in job order. */
export async function runJobs(jobs: Job[], opts: RunOptions = {}): Promise<RunResult[]> {
  const results = new Array<RunResult>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runJob(jobs[i]!, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel ?? 1, jobs.length)) }, worker));
  return results;
}
