// trace: one probe followed through the nodes' rules (lab trace), its path
// checked: which chains it went through (and not), where it ended, who answered.
import { trace } from '../../trace/trace.js';
import type { TraceResult } from '../../trace/model.js';
import { check, type Ctx, type Outcome } from '../context.js';
import { describe, matches } from '../match.js';
import type { Check, TraceCheck } from '../model.js';
import { resolvePlace } from '../places.js';
import { expand } from '../templates.js';

/** What a trace ended in, in one word or two. */
function traceOutcome(r: TraceResult): string {
  if (r.probe.ok) return 'answered';
  if (r.stopped) return r.stopped.verdict === 'reject' ? 'rejected' : 'dropped';
  return 'no answer';
}

/** The request's path as lines "host chain comment rule", for through/notThrough. */
function pathLines(r: TraceResult): string[] {
  return r.passes.filter((p) => p.direction === 'original').flatMap((p) => p.steps.map((s) => [p.host, s.chain, s.comment ?? '', s.iptables ?? s.rule ?? ''].join(' ')));
}

export async function traceCheck(ctx: Ctx, raw: TraceCheck): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const where = await resolvePlace(ctx, s.from);
  const from = where.kind === 'pod' ? `pod/${where.name}` : ['outside', 'external', 'router'].includes(where.host) ? where.host : `node/${where.host}`;
  const r = await trace({ lab: ctx.lab, plan: ctx.plan, api: ctx.api, client: ctx.client, from, to: s.to, proto: s.proto, namespace: where.kind === 'pod' ? where.namespace : ctx.namespace });
  const lines = pathLines(r);
  const e = s.expect;
  const checks: Check[] = [];
  for (const m of e.through ?? []) {
    const hit = lines.find((l) => matches(m, l, 'text'));
    checks.push(check('path', `through ${describe(m, 'text')}`, hit ? `via ${hit.slice(0, 160)}` : 'not on the path', !!hit));
  }
  for (const m of e.notThrough ?? []) {
    const hit = lines.find((l) => matches(m, l, 'text'));
    checks.push(check('path', `not through ${describe(m, 'text')}`, hit ? `via ${hit.slice(0, 160)}` : 'not on the path', !hit));
  }
  const crossed = [...new Set(r.passes.filter((p) => p.direction === 'original').map((p) => p.host))];
  for (const h of e.crosses ?? []) checks.push(check('hosts crossed', h, crossed.join(' -> ') || 'none', crossed.includes(h)));
  if (e.result !== undefined) checks.push(check('result', describe(e.result, 'value'), traceOutcome(r), matches(e.result, traceOutcome(r), 'value')));
  if (e.answeredBy !== undefined) checks.push(check('answered by', describe(e.answeredBy, 'value'), r.answeredBy?.pod ?? 'nobody', matches(e.answeredBy, r.answeredBy?.pod, 'value')));
  if (e.dnat !== undefined) checks.push(check('DNAT', describe(e.dnat, 'value'), r.dnat.join(' -> ') || 'none', matches(e.dnat, r.dnat.join(' -> '), 'value')));
  const details = [`${r.from} -> ${r.to}: ${crossed.join(' -> ')}; DNAT ${r.dnat.join(' -> ') || 'none'}; ${traceOutcome(r)}${r.answeredBy ? ` by ${r.answeredBy.pod}` : ''}`];
  return { checks, details, diagnose: async () => lines };
}
