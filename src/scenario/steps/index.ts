// Steps: what each action does, how it is titled in reports, and how checks are
// retried until they pass or their time is up.
import YAML from 'yaml';
import type { ProxyMode } from '../../agent/proxy/modes.js';
import { Aborted, check, durationMs, seconds, sleep, type Attempted, type Ctx, type Outcome } from '../context.js';
import { actionOf, type Action, type Place, type Step, type StepResult } from '../model.js';
import { dnsStep } from './dns.js';
import { envStep, execStep } from './exec.js';
import { faultStep } from './faults.js';
import { isReading, kubectlStep, normalize } from './kubectl.js';
import { applyStep, deleteStep, fieldChecks, patchStep, scaleStep } from './objects.js';
import { rulesChecks } from './rules.js';
import { traceCheck } from './trace.js';
import { trafficStep } from './traffic.js';
import { waitChecks } from './wait.js';

type Kind = 'action' | 'check' | 'wait';

const handlers: Record<Action, { kind: Kind; run(ctx: Ctx, s: Step): Promise<Outcome> }> = {
  apply: { kind: 'action', run: (ctx, s) => applyStep(ctx, s.apply!) },
  delete: { kind: 'action', run: (ctx, s) => deleteStep(ctx, s.delete!) },
  patch: { kind: 'action', run: (ctx, s) => patchStep(ctx, s.patch!) },
  scale: { kind: 'action', run: (ctx, s) => scaleStep(ctx, s.scale!) },
  sleep: { kind: 'action', run: async (ctx, s) => (await sleep(durationMs(s.sleep, 0), ctx.signal), { checks: [], details: [] }) },
  fault: { kind: 'action', run: (ctx, s) => faultStep(ctx, s.fault!) },
  wait: { kind: 'wait', run: (ctx, s) => waitChecks(ctx, s.wait!) },
  get: { kind: 'check', run: (ctx, s) => fieldChecks(ctx, s.get!) },
  http: { kind: 'check', run: (ctx, s) => trafficStep(ctx, 'http', s.http!) },
  tcp: { kind: 'check', run: (ctx, s) => trafficStep(ctx, 'tcp', s.tcp!) },
  udp: { kind: 'check', run: (ctx, s) => trafficStep(ctx, 'udp', s.udp!) },
  dns: { kind: 'check', run: (ctx, s) => dnsStep(ctx, s.dns!) },
  exec: { kind: 'check', run: (ctx, s) => execStep(ctx, s.exec!) },
  kubectl: { kind: 'action', run: (ctx, s) => kubectlStep(ctx, s.kubectl!) },
  env: { kind: 'check', run: (ctx, s) => envStep(ctx, s.env!) },
  rules: { kind: 'check', run: (ctx, s) => rulesChecks(ctx, s.rules!) },
  trace: { kind: 'check', run: (ctx, s) => traceCheck(ctx, s.trace!) },
};

const defaultWithinMs = 10_000;
const defaultWaitMs = 60_000;

function placeLabel(p: Place): string {
  if (typeof p === 'string') return p;
  return p.host ?? (p.node ? `node/${p.node}` : p.pod ? `pod/${p.pod}` : `pod (${p.selector})`);
}

function manifestLabel(text: string): string {
  const objs = YAML.parseAllDocuments(text).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null).filter((o) => !!o);
  return objs.map((o) => `${o!.kind}/${o!.metadata?.name}`).join(', ');
}

export function stepTitle(step: Step): string {
  if (step.name) return step.name;
  const a = actionOf(step);
  const s = step;
  switch (a) {
    case 'apply':
      return `apply ${s.apply!.file ?? (s.apply!.yaml !== undefined ? manifestLabel(s.apply!.yaml) : `${String(s.apply!.object!.kind)}/${String((s.apply!.object!.metadata as { name?: string } | undefined)?.name)}`)}`;
    case 'delete':
      return typeof s.delete === 'string' ? `delete ${s.delete}` : `delete ${s.delete!.ref ?? `${s.delete!.kind ?? 'pods'} ${s.delete!.selector}`}`;
    case 'patch':
      return `patch ${s.patch!.ref}`;
    case 'scale':
      return `scale ${s.scale!.ref} to ${s.scale!.replicas}`;
    case 'get':
      return `get ${s.get!.ref}`;
    case 'wait': {
      const w = s.wait!;
      const parts = [
        w.ready && `ready ${String(w.ready)}`,
        w.pods && `${w.pods.count} pods ${w.pods.selector}`,
        w.endpoints && `endpoints ${w.endpoints.service}${w.endpoints.ready !== undefined ? ` ${w.endpoints.ready} ready` : ''}${w.endpoints.notReady !== undefined ? ` ${w.endpoints.notReady} not ready` : ''}`,
        w.gone && `${String(w.gone)} gone`,
        w.node && `node ${w.node.name} ${w.node.ready ? 'Ready' : 'not Ready'}`,
        w.get && `${w.get.ref} ${Object.keys(w.get.expect).join(', ')}`,
      ];
      return `wait for ${parts.filter(Boolean).join(', ')}`;
    }
    case 'sleep':
      return `sleep ${String(s.sleep)}`;
    case 'http':
      return `http ${s.http!.method ?? 'GET'} ${s.http!.url}${(s.http!.requests ?? 1) > 1 ? ` ×${s.http!.requests}` : ''} from ${placeLabel(s.http!.from)}`;
    case 'tcp':
    case 'udp': {
      const t = s[a]!;
      return `${a} ${t.to}${(t.requests ?? 1) > 1 ? ` ×${t.requests}` : ''} from ${placeLabel(t.from)}`;
    }
    case 'dns':
      return `dns ${s.dns!.type ?? 'A'} ${s.dns!.name}${s.dns!.tcp ? ' over tcp' : ''} from ${placeLabel(s.dns!.from)}`;
    case 'exec':
      return `exec in ${placeLabel(s.exec!.in)}: ${typeof s.exec!.command === 'string' ? s.exec!.command : s.exec!.command.join(' ')}`;
    case 'kubectl':
      return normalize(s.kubectl!).command;
    case 'env':
      return `env of ${placeLabel(s.env!.in)}`;
    case 'rules':
      return `rules ${Object.entries(s.rules!).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}`;
    case 'trace':
      return `trace ${placeLabel(s.trace!.from)} -> ${s.trace!.to}`;
    case 'fault': {
      const [kind, target] = Object.entries(s.fault!).find(([k]) => k !== 'recovery')!;
      return `fault: ${kind}${target === true ? '' : ` ${placeLabel(target as Place)}`}`;
    }
  }
}

async function once(ctx: Ctx, step: Step): Promise<Outcome> {
  try {
    return await handlers[actionOf(step)].run(ctx, step);
  } catch (e) {
    if (e instanceof Aborted) throw e;
    return { checks: [check('step', 'runs', (e as Error).message, false)], details: [] };
  }
}

/** Runs a step until every check passes or withinMs has gone by (one attempt at least). */
export async function attempt(ctx: Ctx, step: Step, withinMs: number, everyMs = 300): Promise<Attempted> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    const outcome = await once(ctx, step);
    const passed = outcome.checks.every((c) => c.ok);
    const ms = Date.now() - started;
    if (passed || ms + everyMs > withinMs) return { passed, ms, attempts: n, outcome };
    await sleep(everyMs, ctx.signal);
  }
}

export async function runStep(ctx: Ctx, step: Step, index: number, line: number, mode: ProxyMode): Promise<StepResult> {
  const base = { index, line, title: stepTitle(step), checks: [], details: [], diagnostics: [] };
  if (step.when?.proxyMode && !step.when.proxyMode.includes(mode)) {
    return { ...base, status: 'skipped', ms: 0, attempts: 0, reason: `only for proxy mode ${step.when.proxyMode.join(', ')}` };
  }
  // A kubectl command that only reads (get, describe, logs...) is retried like a check.
  const kind = step.kubectl !== undefined && isReading(step.kubectl) ? 'check' : handlers[actionOf(step)].kind;
  const within = kind === 'action' ? 0 : kind === 'wait' ? durationMs(step.timeout, defaultWaitMs) : durationMs(step.within, defaultWithinMs);
  const r = await attempt(ctx, step, within, kind === 'wait' ? 250 : 300);
  const diagnostics = !r.passed && r.outcome.diagnose ? await r.outcome.diagnose() : [];
  const reason = r.passed || kind === 'action' ? undefined : `still failing after ${seconds(r.ms)} (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`;
  return { ...base, status: r.passed ? 'passed' : 'failed', ms: r.ms, attempts: r.attempts, checks: r.outcome.checks, details: r.outcome.details, diagnostics, reason };
}
