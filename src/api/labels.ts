// Label selectors: the string form used by ?labelSelector= and the object form
// (matchLabels / matchExpressions) used by Deployments and ReplicaSets.
import { badRequest } from './errors.js';

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: Operator; values?: string[] }[];
}

export type Selector = Requirement[];

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Parses "app=web,tier!=db,env in (a,b),!legacy". Throws a 400 Status on bad syntax. */
export function parseSelector(text: string | null | undefined): Selector {
  if (!text) return [];
  return splitTopLevel(text).map((term) => {
    let m = /^!\s*([^\s=!,()]+)$/.exec(term);
    if (m) return { key: m[1]!, operator: 'DoesNotExist' as const, values: [] };
    m = /^([^\s=!,()]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3]!.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
      return { key: m[1]!, operator: m[2] === 'in' ? ('In' as const) : ('NotIn' as const), values };
    }
    m = /^([^\s=!,()]+)\s*(==|=|!=)\s*([^\s=!,()]*)$/.exec(term);
    if (m) return { key: m[1]!, operator: m[2] === '!=' ? ('NotIn' as const) : ('In' as const), values: [m[3]!] };
    m = /^([^\s=!,()]+)$/.exec(term);
    if (m) return { key: m[1]!, operator: 'Exists' as const, values: [] };
    throw badRequest(`unable to parse requirement: found '${term}', expected: key, !key, key=value, key!=value, key in (...), key notin (...)`);
  });
}

export function selectorFromObject(sel: LabelSelector | undefined | null): Selector {
  if (!sel) return [];
  const reqs: Selector = Object.entries(sel.matchLabels ?? {}).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] }));
  for (const e of sel.matchExpressions ?? []) reqs.push({ key: e.key, operator: e.operator, values: e.values ?? [] });
  return reqs;
}

/** A plain map selector (Service.spec.selector) as requirements. */
export function selectorFromMap(map: Record<string, string> | undefined | null): Selector {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] }));
}

export function matches(selector: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.operator) {
      case 'In':
        return has && r.values.includes(l[r.key]!);
      case 'NotIn':
        return !has || !r.values.includes(l[r.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

export function selectorToString(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case 'In':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Field selectors: "metadata.name=x,spec.nodeName!=n1". */
export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text) return [];
  return splitTopLevel(text).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    return { field: m[1]!.trim(), value: m[3]!.trim(), negate: m[2] === '!=' };
  });
}

/** Reads a dotted field path such as "spec.nodeName" or "involvedObject.uid" from an object. */
function fieldValue(obj: unknown, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

export function matchesFields(reqs: FieldRequirement[], obj: unknown): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) !== r.negate);
}
