// ${...} in step strings, resolved against the live cluster when the step runs:
//   ${lab.outsideIP}                 lab addresses and places (see labValues)
//   ${svc/web.ip}                    one object's field, with shortcuts (ip, nodePort, lbIP, ...)
//   ${svc/kube-system/kube-dns.spec.clusterIP}
//   ${pod[app=web].ip}               every matching object (a list), ${pod[app=web][0].ip} the first
import { parseSelector } from '../api/labels.js';
import { types } from '../api/resources.js';
import type { KubeObject, Node, Pod } from '../api/types.js';
import { labDir } from '../lab/state.js';
import type { Ctx } from './context.js';
import { fieldPath, parseRef, typeFor, valueAt } from './refs.js';

export type Template =
  | { kind: 'lab'; key: string }
  | { kind: 'object'; ref: string; path: (string | number)[] }
  | { kind: 'list'; type: string; selector: string; index?: number; path: (string | number)[] };

const labKeys = ['name', 'proxyMode', 'outsideIP', 'externalIP', 'routerIP', 'upstreamDNS', 'clusterDNS', 'serviceCIDR', 'podCIDR', 'stateDir', 'apiServer'] as const;

export function findTemplates(s: string): { start: number; end: number; expr: string }[] {
  const out: { start: number; end: number; expr: string }[] = [];
  const re = /\$\{([^}]*)\}/g;
  for (const m of s.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length, expr: m[1]!.trim() });
  return out;
}

export function parseTemplate(expr: string): Template {
  const bad = (why: string): Error => new Error(`template \${${expr}}: ${why}`);
  const lab = /^lab\.(\w+)$/.exec(expr);
  if (lab) {
    if (!(labKeys as readonly string[]).includes(lab[1]!)) throw bad(`unknown lab value "${lab[1]}" (known: ${labKeys.join(', ')})`);
    return { kind: 'lab', key: lab[1]! };
  }
  const list = /^([A-Za-z.]+)\[([^\]]*)\](?:\[(\d+)\])?(?:\.(.+))?$/.exec(expr);
  if (list) {
    if (!typeFor(list[1]!)) throw bad(`unknown kind "${list[1]}"`);
    try {
      parseSelector(list[2]);
    } catch (e) {
      throw bad(`bad selector: ${(e as Error).message}`);
    }
    return { kind: 'list', type: list[1]!, selector: list[2]!, index: list[3] === undefined ? undefined : Number(list[3]), path: list[4] ? fieldPath(list[4]) : [] };
  }
  const obj = /^([A-Za-z.]+\/(?:[a-z0-9-]+\/)?[a-z0-9-]+)(?:\.(.+))?$/.exec(expr);
  if (obj) {
    if (!typeFor(obj[1]!.split('/')[0]!)) throw bad(`unknown kind "${obj[1]!.split('/')[0]}"`);
    return { kind: 'object', ref: obj[1]!, path: obj[2] ? fieldPath(obj[2]) : [] };
  }
  throw bad('use lab.KEY, kind/name.field, kind/namespace/name.field or kind[selector].field');
}

/** Shortcuts for the fields scenarios need most. */
function shortcut(obj: KubeObject, key: string | number): unknown {
  const kind = obj.kind ?? '';
  const spec = (obj as { spec?: Record<string, unknown> }).spec;
  const status = (obj as { status?: Record<string, unknown> }).status;
  switch (`${kind}.${key}`) {
    case 'Service.ip':
    case 'Service.clusterIP':
      return spec?.clusterIP;
    case 'Service.nodePort':
      return valueAt(spec, ['ports', 0, 'nodePort']);
    case 'Service.port':
      return valueAt(spec, ['ports', 0, 'port']);
    case 'Service.lbIP':
      return valueAt(status, ['loadBalancer', 'ingress', 0, 'ip']);
    case 'Pod.ip':
      return status?.podIP;
    case 'Pod.node':
      return spec?.nodeName;
    case 'Pod.hostIP':
      return status?.hostIP;
    case 'Pod.dashedIP':
      return typeof status?.podIP === 'string' ? status.podIP.replace(/\./g, '-') : undefined;
    case 'Node.ip':
      return (obj as Node).status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  }
  if (key === 'name') return obj.metadata.name;
  if (key === 'namespace') return obj.metadata.namespace;
  return undefined;
}

function pick(obj: KubeObject, p: (string | number)[], label: string): unknown {
  if (p.length === 0) return obj.metadata.name;
  const direct = valueAt(obj, p);
  const v = direct !== undefined ? direct : p.length === 1 ? shortcut(obj, p[0]!) : undefined;
  if (v === undefined || v === null || v === '') throw new Error(`${label} has no ${p.join('.')} (yet)`);
  return v;
}

function labValue(ctx: Pick<Ctx, 'plan'>, key: string): string {
  const p = ctx.plan;
  const values: Record<(typeof labKeys)[number], string> = {
    name: p.name,
    proxyMode: p.proxyMode,
    outsideIP: p.outsideIP,
    externalIP: p.external.ip,
    routerIP: p.routerNodeIP,
    upstreamDNS: p.external.dnsIP,
    clusterDNS: p.clusterDNS,
    serviceCIDR: p.serviceCIDR,
    podCIDR: p.podCIDR,
    // Scratch files a scenario makes (certificates...) go here: `lab down` removes the directory.
    stateDir: labDir(p.name),
    // The API as pods and nodes reach it (HTTPS through the router's relay; credentials needed beyond health and version).
    apiServer: `https://${p.apiAdvertise.ip}:${p.apiAdvertise.port}`,
  };
  return values[key as (typeof labKeys)[number]];
}

/** Live objects of a kind matching a selector; pods that are terminating are left out, the rest sorted by name. */
export async function selectObjects(ctx: Ctx, kind: string, selector: string, namespace = ctx.namespace): Promise<KubeObject[]> {
  const type = typeFor(kind) ?? types.pods;
  const list = await ctx.client.list(type, type.namespaced ? namespace : undefined, { labelSelector: selector });
  return list.items
    .filter((o) => !o.metadata.deletionTimestamp && !(type === types.pods && ['Succeeded', 'Failed'].includes((o as Pod).status?.phase ?? '')))
    .map((o) => ({ ...o, kind: type.kind }))
    .sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

async function evaluate(ctx: Ctx, t: Template): Promise<unknown> {
  if (t.kind === 'lab') return labValue(ctx, t.key);
  if (t.kind === 'object') {
    const r = parseRef(t.ref, ctx.namespace);
    const obj = await ctx.client.get(r.type, r.name, r.namespace);
    return pick({ ...obj, kind: r.type.kind }, t.path, t.ref);
  }
  const objs = await selectObjects(ctx, t.type, t.selector);
  const label = `${t.type}[${t.selector}]`;
  if (t.index !== undefined) {
    const o = objs[t.index];
    if (!o) throw new Error(`${label} has no item ${t.index} (found ${objs.length})`);
    return pick(o, t.path, `${label}[${t.index}]`);
  }
  return objs.map((o) => pick(o, t.path, `${label} ${o.metadata.name}`));
}

async function expandString(ctx: Ctx, s: string): Promise<unknown> {
  const found = findTemplates(s);
  if (found.length === 0) return s;
  const values = await Promise.all(found.map((f) => evaluate(ctx, parseTemplate(f.expr))));
  if (found.length === 1 && found[0]!.start === 0 && found[0]!.end === s.length) return Array.isArray(values[0]) ? values[0] : String(values[0]);
  let out = '';
  let at = 0;
  found.forEach((f, i) => {
    const v = values[i];
    out += s.slice(at, f.start) + (Array.isArray(v) ? v.join(',') : String(v));
    at = f.end;
  });
  return out + s.slice(at);
}

/** A copy of value with every ${...} resolved; a template yielding a list inside an array is spread into it. */
export async function expand<T>(ctx: Ctx, value: T): Promise<T> {
  if (typeof value === 'string') {
    const v = await expandString(ctx, value);
    return (Array.isArray(v) ? v.join(',') : v) as T;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (typeof item === 'string') {
        const v = await expandString(ctx, item);
        if (Array.isArray(v)) out.push(...v.map(String));
        else out.push(v);
      } else out.push(await expand(ctx, item));
    }
    return out as T;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await expand(ctx, v);
    return out as T;
  }
  return value;
}
