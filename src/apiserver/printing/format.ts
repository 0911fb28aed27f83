// Cell formats shared by several printers (labels, selectors, container lists, capped lists).
import type { Container, LabelSelectorObject } from '../../api/types.js';

/** labels.FormatLabels: sorted "k=v,k2=v2", or "<none>". */
export function formatLabels(map: Record<string, string> | undefined | null): string {
  const keys = Object.keys(map ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${map![k]}`).join(',');
}

/** A LabelSelector object in its string form, requirements sorted by key ("" when it selects everything). */
export function formatSelector(sel: LabelSelectorObject | undefined | null): string {
  const terms: [string, string][] = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of sel?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text = { In: `${e.key} in (${values})`, NotIn: `${e.key} notin (${values})`, Exists: e.key, DoesNotExist: `!${e.key}` }[e.operator];
    terms.push([e.key, text]);
  }
  return terms.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((t) => t[1]).join(',');
}

/** The CONTAINERS and IMAGES cells of workloads: comma-joined, in spec order. */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image ?? '').join(',')];
}

/** The first `max` items joined by ",", then " + N more..." like upstream's endpoint lists. */
export function capped(items: string[], max = 3, empty = '<none>'): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}
