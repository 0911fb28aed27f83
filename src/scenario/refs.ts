// Object references in scenarios ("svc/web", "deploy/kube-system/coredns"),
// kind words as kubectl accepts them, and field paths ("spec.ports[0].nodePort").
import { resourceTypes, type ResourceType } from '../api/resources.js';

export function typeFor(word: string): ResourceType | undefined {
  const w = word.toLowerCase();
  return resourceTypes.find((t) => t.plural === w || t.singular === w || t.kind.toLowerCase() === w || t.shortNames?.includes(w) || `${t.plural}.${t.group}` === w);
}

export interface Ref {
  type: ResourceType;
  namespace?: string;
  name: string;
}

/** kind/name or kind/namespace/name; namespaced kinds default to `namespace`. */
export function parseRef(text: string, namespace: string): Ref {
  const parts = text.split('/');
  const type = typeFor(parts[0] ?? '');
  if (!type || parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new Error(`bad reference "${text}" (use kind/name or kind/namespace/name)`);
  const [ns, name] = parts.length === 3 ? [parts[1]!, parts[2]!] : [namespace, parts[1]!];
  return { type, namespace: type.namespaced ? ns : undefined, name };
}

export function refLabel(r: Ref): string {
  return `${r.type.singular}/${r.namespace && r.namespace !== 'default' ? `${r.namespace}/` : ''}${r.name}`;
}

/** "spec.ports[0].nodePort" -> ["spec", "ports", 0, "nodePort"]. */
export function fieldPath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of text.split('.').filter(Boolean)) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad field path "${text}"`);
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function valueAt(obj: unknown, p: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}
