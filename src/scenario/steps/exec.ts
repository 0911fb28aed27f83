// exec: a command in a pod (like kubectl exec) or on a lab host, with
// expectations on its exit code and output; env: the pod's environment.
import { check, type Ctx, type Outcome } from '../context.js';
import { describe, excerpt, matches } from '../match.js';
import type { Check, EnvStep, ExecStep } from '../model.js';
import { resolvePlace, runAt, withContainer } from '../places.js';
import { expand } from '../templates.js';

export async function execStep(ctx: Ctx, raw: ExecStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const where = await resolvePlace(ctx, withContainer(s.in, s.container));
  const argv = typeof s.command === 'string' ? ['sh', '-c', s.command] : s.command;
  const r = await runAt(ctx, where, argv, 30_000);
  const e = s.expect ?? {};
  const checks: Check[] = [check('exit code', String(e.exitCode ?? 0), String(r.exitCode), r.exitCode === (e.exitCode ?? 0))];
  if (e.stdout !== undefined) checks.push(check('stdout', describe(e.stdout, 'text'), excerpt(r.stdout), matches(e.stdout, r.stdout, 'text')));
  if (e.stderr !== undefined) checks.push(check('stderr', describe(e.stderr, 'text'), excerpt(r.stderr), matches(e.stderr, r.stderr, 'text')));
  const shown = typeof s.command === 'string' ? s.command : s.command.join(' ');
  const out = [`$ ${shown}   (in ${where.label})`, ...excerpt(r.stdout, 12, 1200).split('\n').map((l) => `  ${l}`)];
  if (r.stderr.trim() && r.exitCode !== 0) out.push(...excerpt(r.stderr, 4).split('\n').map((l) => `  ${l}`));
  return { checks, details: out };
}

function parseEnv(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

export async function envStep(ctx: Ctx, raw: EnvStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const where = await resolvePlace(ctx, withContainer(s.in, s.container));
  const r = await runAt(ctx, where, ['env'], 30_000);
  if (r.exitCode !== 0) throw new Error(`env in ${where.label} exited with ${r.exitCode}: ${r.stderr.trim()}`);
  const env = parseEnv(r.stdout);
  const checks: Check[] = [];
  const e = s.expect;
  for (const k of e.has ?? []) checks.push(check(k, 'set', env.has(k) ? `${k}=${env.get(k)}` : 'not set', env.has(k)));
  for (const k of e.lacks ?? []) checks.push(check(k, 'not set', env.has(k) ? `${k}=${env.get(k)}` : 'not set', !env.has(k)));
  for (const [k, m] of Object.entries(e.values ?? {})) checks.push(check(k, describe(m, 'value'), env.get(k) ?? 'not set', matches(m, env.get(k), 'value')));
  const names = [...(e.has ?? []), ...(e.lacks ?? []), ...Object.keys(e.values ?? {})];
  return { checks, details: [`env of ${where.label}: ${names.map((k) => (env.has(k) ? `${k}=${env.get(k)}` : `${k} unset`)).join(', ')}`] };
}
