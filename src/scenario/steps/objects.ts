// apply / delete / patch / scale / get: the API side of a scenario, with the
// refusals a real API server gives as expectations.
import path from 'node:path';
import { ApiError } from '../../api/errors.js';
import { types } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { resourcePath } from '../../client/client.js';
import { applyObjects, parseManifests, readManifests } from '../../client/apply.js';
import { poll } from '../../util/poll.js';
import { check, type Ctx, type Outcome } from '../context.js';
import { describe, matches } from '../match.js';
import type { ApplyStep, DeleteStep, GetStep, MutationExpect, PatchStep, ScaleStep, Source } from '../model.js';
import { fieldPath, parseRef, refLabel, valueAt } from '../refs.js';
import { expand, selectObjects } from '../templates.js';

interface Refusal {
  reason: string;
  message: string;
}

function mutationChecks(refusals: Refusal[], expect: MutationExpect | undefined): Outcome['checks'] {
  const seen = refusals.length ? refusals.map((r) => `refused (${r.reason}): ${r.message}`).join('\n') : 'accepted';
  const want = expect?.error;
  if (!want) return [check('API server', 'accepts the request', seen, refusals.length === 0)];
  const expected = ['refuses it', want.reason && `reason ${want.reason}`, want.message !== undefined && `message ${describe(want.message, 'text')}`].filter(Boolean).join(', ');
  const ok = refusals.some((r) => (!want.reason || r.reason === want.reason) && (want.message === undefined || matches(want.message, r.message, 'text')));
  return [check('API server', expected, seen, ok)];
}

/** The objects of a manifest source: a file (relative to the scenario), inline YAML, or an object. */
export function sourceObjects(ctx: Pick<Ctx, 'dir'>, src: Source | ApplyStep): KubeObject[] {
  const s = src as { file?: string; yaml?: string; object?: KubeObject };
  if (typeof s.file === 'string') return readManifests(path.resolve(ctx.dir, s.file));
  if (typeof s.yaml === 'string') return parseManifests(s.yaml);
  if (s.object) return [s.object];
  return [src as KubeObject];
}

/** Applies objects; returns what the API server said, line by line, and its refusals. */
export async function applySource(ctx: Ctx, objects: KubeObject[], namespace = ctx.namespace): Promise<{ lines: string[]; refusals: Refusal[] }> {
  const lines: string[] = [];
  await applyObjects(ctx.api, objects, namespace, (l) => lines.push(l));
  const refusals = lines.flatMap((l) => {
    const m = /^Error from server \(([^)]*)\): (.*)$/s.exec(l) ?? /^(error): (.*)$/s.exec(l);
    return m ? [{ reason: m[1]!, message: m[2]! }] : [];
  });
  return { lines, refusals };
}

export async function applyStep(ctx: Ctx, s: ApplyStep): Promise<Outcome> {
  const { lines, refusals } = await applySource(ctx, sourceObjects(ctx, s), s.namespace);
  return { checks: mutationChecks(refusals, s.expect), details: lines };
}

function refusalOf(e: unknown): Refusal {
  if (e instanceof ApiError) return { reason: e.reason, message: e.message };
  throw e;
}

export async function deleteStep(ctx: Ctx, raw: string | DeleteStep): Promise<Outcome> {
  const s = await expand(ctx, typeof raw === 'string' ? { ref: raw } : raw);
  const namespace = s.namespace ?? ctx.namespace;
  const targets = s.ref
    ? [parseRef(s.ref, namespace)]
    : (await selectObjects(ctx, s.kind ?? 'pods', s.selector!, namespace)).map((o) => parseRef(`${s.kind ?? 'pods'}/${namespace}/${o.metadata.name}`, namespace));
  const refusals: Refusal[] = [];
  const details: string[] = [];
  for (const t of targets) {
    try {
      await ctx.client.delete(t.type, t.name, t.namespace, s.gracePeriod === undefined ? {} : { gracePeriodSeconds: s.gracePeriod });
      details.push(`${refLabel(t)} deleted`);
    } catch (e) {
      refusals.push(refusalOf(e));
    }
  }
  if (targets.length === 0) details.push(`nothing matches ${s.selector}`);
  if (s.wait) {
    const until = Date.now() + 60_000;
    for (const t of targets) {
      const gone = () => ctx.client.get(t.type, t.name, t.namespace).then(() => false, () => true);
      if (!(await poll(gone, { timeoutMs: Math.max(0, until - Date.now()), everyMs: 100 }))) return { checks: [check('deletion', `${refLabel(t)} gone`, 'still there after 60 s', false)], details };
    }
  }
  return { checks: mutationChecks(refusals, s.expect), details };
}

export async function patchStep(ctx: Ctx, raw: PatchStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const r = parseRef(s.ref, s.namespace ?? ctx.namespace);
  try {
    if (s.merge) await ctx.client.patch(r.type, r.name, s.merge, r.namespace);
    else await ctx.client.request('PATCH', resourcePath(r.type, r.namespace, r.name), s.json, 'application/json-patch+json');
    return { checks: mutationChecks([], s.expect), details: [`${refLabel(r)} patched`] };
  } catch (e) {
    return { checks: mutationChecks([refusalOf(e)], s.expect), details: [] };
  }
}

export async function scaleStep(ctx: Ctx, s: ScaleStep): Promise<Outcome> {
  const r = parseRef(s.ref, s.namespace ?? ctx.namespace);
  try {
    await ctx.client.patch(r.type === types.replicasets ? types.replicasets : types.deployments, r.name, { spec: { replicas: s.replicas } }, r.namespace);
    return { checks: [], details: [`${refLabel(r)} scaled to ${s.replicas}`] };
  } catch (e) {
    return { checks: mutationChecks([refusalOf(e)], undefined), details: [] };
  }
}

const show = (v: unknown): string => (v === undefined ? '(absent)' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Field checks on one object; a missing object is a failed check, not an error. */
export async function fieldChecks(ctx: Ctx, raw: GetStep): Promise<Outcome> {
  const s = await expand(ctx, raw);
  const r = parseRef(s.ref, s.namespace ?? ctx.namespace);
  let obj: KubeObject | undefined;
  try {
    obj = await ctx.client.get(r.type, r.name, r.namespace);
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 404) throw e;
  }
  const checks = Object.entries(s.expect).map(([p, m]) => {
    const v = obj ? valueAt(obj, fieldPath(p)) : undefined;
    const seen = obj ? show(v) : `${refLabel(r)} does not exist`;
    const scalar = v === undefined || v === null || typeof v !== 'object' ? (v as string | number | boolean | undefined) : JSON.stringify(v);
    return check(`${refLabel(r)} ${p}`, describe(m, 'value'), seen, matches(m, scalar, 'value'));
  });
  return { checks, details: [] };
}

