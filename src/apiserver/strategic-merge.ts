// Strategic merge patch (application/strategic-merge-patch+json), what
// `kubectl apply` and `kubectl patch` send: maps merge, null deletes, and lists
// merge element by element when the field has a merge key (containers by name,
// Service ports by port, ...); other lists are replaced. Directives:
// `$patch: replace|delete`, `$setElementOrder/<list>`, `$retainKeys`,
// `$deleteFromPrimitiveList/<list>`.
import protobuf from 'protobufjs';
import { badRequest } from '../api/errors.js';
import { fieldOptions, kindMessages, root } from '../api/schema/index.js';
import { isPlainObject } from './patch.js';

/** Patch strategy of an object's fields: lists with a merge key, lists of primitives that merge, nested objects. */
interface Shape {
  fields?: Record<string, Shape>;
  /** For a list of objects: the key that identifies an element. */
  mergeKey?: string;
  /** For a list of primitives: patch values are added, not replacing the list. */
  mergePrimitives?: boolean;
}

const shapes = new Map<protobuf.Type, Shape>();

/** The patch strategy of a type, from its description (merge keys are upstream's patchMergeKey tags). */
function shapeOfType(type: protobuf.Type): Shape {
  const known = shapes.get(type);
  if (known) return known;
  const fields: Record<string, Shape> = {};
  const shape: Shape = { fields };
  shapes.set(type, shape);
  const add = (t: protobuf.Type): void => {
    for (const f of t.fieldsArray) {
      const message = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
      const opts = fieldOptions(f);
      if (opts.inline && message) add(message);
      else if (f.repeated && opts.mergeKey) fields[f.name] = { mergeKey: opts.mergeKey, fields: message ? shapeOfType(message).fields : undefined };
      else if (f.repeated && opts.mergeSet) fields[f.name] = { mergePrimitives: true };
      else if (message && !f.map && !f.repeated) fields[f.name] = shapeOfType(message);
    }
  };
  add(type);
  return shape;
}

function shapeOf(kind: string): Shape {
  const name = Object.entries(kindMessages).find(([gvk]) => gvk.endsWith(` ${kind}`))?.[1];
  return name ? shapeOfType(root.lookupType(name)) : { fields: { metadata: shapeOfType(root.lookupType('meta.ObjectMeta')) } };
}

const setOrderPrefix = '$setElementOrder/';
const deletePrimitivePrefix = '$deleteFromPrimitiveList/';

function keyOf(item: unknown, mergeKey: string | undefined): unknown {
  return mergeKey && isPlainObject(item) ? item[mergeKey] : item;
}

const sameKey = (a: unknown, b: unknown): boolean => a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));

/**
 * Orders a merged list by `$setElementOrder`: the listed elements in that order,
 * the others (only on the server) kept where they were relative to them.
 */
function applyOrder(merged: unknown[], order: unknown[], original: unknown[], mergeKey: string | undefined): unknown[] {
  const indexIn = (list: unknown[], item: unknown): number => list.findIndex((o) => sameKey(keyOf(o, mergeKey), keyOf(item, mergeKey)));
  const ordered = merged.filter((m) => indexIn(order, m) >= 0).sort((a, b) => indexIn(order, a) - indexIn(order, b));
  const serverOnly = merged.filter((m) => indexIn(order, m) < 0).sort((a, b) => indexIn(original, a) - indexIn(original, b));
  const out: unknown[] = [];
  let j = 0;
  for (const item of serverOnly) {
    const at = indexIn(original, item);
    // Patch elements go first unless both sides were on the server and this one came earlier there.
    while (j < ordered.length && !(indexIn(original, ordered[j]) >= 0 && at < indexIn(original, ordered[j]))) out.push(ordered[j++]);
    out.push(item);
  }
  return [...out, ...ordered.slice(j)];
}

function mergeList(original: unknown, patch: unknown[], shape: Shape | undefined): unknown[] {
  const base = Array.isArray(original) ? original : [];
  const mergeKey = shape?.mergeKey;
  if (!mergeKey && !shape?.mergePrimitives) {
    // Replace, except for an explicit `$patch: replace` marker which is dropped.
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace'));
  }
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')).map((p) => (isPlainObject(p) ? strip(p) : p));
  }
  const out = [...base];
  for (const item of patch) {
    if (!mergeKey) {
      if (!out.some((o) => sameKey(o, item))) out.push(item);
      continue;
    }
    if (!isPlainObject(item) || !(mergeKey in item)) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    const at = out.findIndex((o) => isPlainObject(o) && sameKey(o[mergeKey], item[mergeKey]));
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = mergeMap(out[at], item, { fields: shape.fields });
    else out.push(mergeMap({}, item, { fields: shape.fields }));
  }
  return out;
}

/** A patch value with its directives removed, for where it lands as is. */
function strip(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = isPlainObject(v) ? strip(v) : v;
  }
  return out;
}

function mergeMap(original: unknown, patch: Record<string, unknown>, shape: Shape | undefined): Record<string, unknown> {
  const directive = patch.$patch;
  if (directive === 'replace') return strip(patch);
  if (directive === 'delete') return {};
  if (directive !== undefined) throw badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  const before: Record<string, unknown> = isPlainObject(original) ? original : {};
  let out: Record<string, unknown> = { ...before };
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('$retainKeys must be a list of field names');
    out = Object.fromEntries(Object.entries(out).filter(([k]) => retain.includes(k) || k in patch));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(setOrderPrefix)) continue;
    if (k.startsWith(deletePrimitivePrefix)) {
      const field = k.slice(deletePrimitivePrefix.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.some((d) => sameKey(d, x)));
      continue;
    }
    const sub = shape?.fields?.[k];
    if (v === null) delete out[k];
    else if (isPlainObject(v)) out[k] = mergeMap(out[k], v, sub);
    else if (Array.isArray(v)) out[k] = mergeList(out[k], v, sub);
    else out[k] = v;
  }
  // Element order last: it applies to the merged list, and may name a list the patch leaves untouched.
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(setOrderPrefix) || !Array.isArray(order)) continue;
    const field = k.slice(setOrderPrefix.length);
    const list = out[field];
    const was = before[field];
    if (Array.isArray(list)) out[field] = applyOrder(list, order, Array.isArray(was) ? was : [], shape?.fields?.[field]?.mergeKey);
  }
  return out;
}

/** Applies a strategic merge patch to an object of the given kind; returns a new object. */
export function strategicMergePatch(original: unknown, patch: unknown, kind: string): unknown {
  if (!isPlainObject(patch)) throw badRequest('the strategic merge patch must be a JSON object');
  return mergeMap(original, patch, shapeOf(kind));
}

/** The body of a server-side apply: a whole object naming the one in the URL. */
export function appliedObject(body: unknown, name: string): Record<string, unknown> {
  if (!isPlainObject(body) || typeof body.apiVersion !== 'string' || typeof body.kind !== 'string') {
    throw badRequest('the applied configuration must be an object with apiVersion and kind');
  }
  const meta = isPlainObject(body.metadata) ? body.metadata : {};
  if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  return { ...body, metadata: { ...meta, name } };
}
