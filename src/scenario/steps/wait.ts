// wait: conditions on the cluster's state, each one a check the runner polls
// until all hold or the step's timeout runs out.
import { isReady, readyCondition } from '../../api/conditions.js';
import { ApiError } from '../../api/errors.js';
import { types } from '../../api/resources.js';
import type { Deployment, Endpoints, KubeObject, Node, Pod } from '../../api/types.js';
import { check, type Ctx, type Outcome } from '../context.js';
import type { Check, WaitStep } from '../model.js';
import { parseRef, refLabel } from '../refs.js';
import { expand, selectObjects } from '../templates.js';
import { fieldChecks } from './objects.js';

function deploymentProblem(d: Deployment): string | undefined {
  const want = d.spec.replicas ?? 1;
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return `deployment ${d.metadata.name}: change not observed yet`;
  if ((s.updatedReplicas ?? 0) < want || (s.availableReplicas ?? 0) < want || (s.replicas ?? 0) > want) {
    return `deployment ${d.metadata.name}: ${s.availableReplicas ?? 0}/${want} available, ${s.updatedReplicas ?? 0} updated, ${s.replicas ?? 0} total`;
  }
  return undefined;
}

function podProblem(p: Pod): string | undefined {
  if (isReady(p)) return undefined;
  const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
  return `pod ${p.metadata.name}: ${p.status?.phase ?? 'Pending'}${waiting ? ` (${waiting})` : ''}, not Ready`;
}

async function readyCheck(ctx: Ctx, what: string | string[]): Promise<Check> {
  const problems: string[] = [];
  const refs = Array.isArray(what) ? what : [what];
  for (const r of refs) {
    if (r === 'all') {
      const deps = await ctx.client.list<Deployment>(types.deployments, ctx.namespace);
      const pods = (await selectObjects(ctx, 'pods', '')) as Pod[];
      problems.push(...deps.items.map(deploymentProblem).filter((x): x is string => !!x), ...pods.map(podProblem).filter((x): x is string => !!x));
      continue;
    }
    const ref = parseRef(r, ctx.namespace);
    try {
      const obj = await ctx.client.get<KubeObject>(ref.type, ref.name, ref.namespace);
      const p = ref.type === types.deployments ? deploymentProblem(obj as Deployment) : ref.type === types.pods ? podProblem(obj as Pod) : undefined;
      if (p) problems.push(p);
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 404) throw e;
      problems.push(`${refLabel(ref)} does not exist`);
    }
  }
  return check(`ready ${refs.join(', ')}`, 'everything Ready / available', problems.length ? problems.join('; ') : 'all ready', problems.length === 0);
}

export async function waitChecks(ctx: Ctx, raw: WaitStep): Promise<Outcome> {
  const w = await expand(ctx, raw);
  const checks: Check[] = [];
  if (w.ready) checks.push(await readyCheck(ctx, w.ready));
  if (w.pods) {
    const wantReady = w.pods.ready ?? true;
    const pods = (await selectObjects(ctx, 'pods', w.pods.selector, w.pods.namespace)) as Pod[];
    const counted = pods.filter((p) => !wantReady || isReady(p));
    checks.push(check(`pods ${w.pods.selector}`, `${w.pods.count}${wantReady ? ' Ready' : ''}`, `${counted.length}${wantReady ? ' Ready' : ''}${pods.length ? `: ${pods.map((p) => `${p.metadata.name}${isReady(p) ? '' : ' (not Ready)'}`).join(', ')}` : ''}`, counted.length === w.pods.count));
  }
  if (w.endpoints) {
    const e = w.endpoints;
    let ep: Endpoints | undefined;
    try {
      ep = await ctx.client.get<Endpoints>(types.endpoints, e.service, e.namespace ?? ctx.namespace);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== 404) throw err;
    }
    const ips = (key: 'addresses' | 'notReadyAddresses'): string[] => [...new Set((ep?.subsets ?? []).flatMap((s) => (s[key] ?? []).map((a) => a.ip)))].sort();
    const [r, nr] = [ips('addresses'), ips('notReadyAddresses')];
    const expected = [e.ready !== undefined && `${e.ready} ready`, e.notReady !== undefined && `${e.notReady} not ready`].filter(Boolean).join(', ') || 'exists';
    const seen = ep ? `${r.length} ready${r.length ? ` (${r.join(', ')})` : ''}, ${nr.length} not ready${nr.length ? ` (${nr.join(', ')})` : ''}` : 'no Endpoints object';
    checks.push(check(`endpoints ${e.service}`, expected, seen, !!ep && (e.ready === undefined || r.length === e.ready) && (e.notReady === undefined || nr.length === e.notReady)));
  }
  for (const g of w.gone === undefined ? [] : Array.isArray(w.gone) ? w.gone : [w.gone]) {
    const ref = parseRef(g, ctx.namespace);
    const exists = await ctx.client.get(ref.type, ref.name, ref.namespace).then(
      () => true,
      (e) => (e instanceof ApiError && e.code === 404 ? false : Promise.reject(e)),
    );
    checks.push(check(`${refLabel(ref)}`, 'gone', exists ? 'still there' : 'gone', !exists));
  }
  if (w.node) {
    const node = await ctx.client.get<Node>(types.nodes, w.node.name);
    const cond = readyCondition(node);
    checks.push(check(`node ${w.node.name}`, w.node.ready ? 'Ready' : 'not Ready', cond ? `Ready=${cond.status}${cond.reason ? ` (${cond.reason})` : ''}` : 'no Ready condition', isReady(node) === w.node.ready));
  }
  if (w.get) checks.push(...(await fieldChecks(ctx, w.get)).checks);
  return { checks, details: [] };
}
