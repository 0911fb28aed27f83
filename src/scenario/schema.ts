// A small JSON Schema (2020-12 subset) validator for docs/scenario.schema.json:
// the keywords that file uses, with errors a person can act on (the path of the
// offending value, unknown keys named with the closest allowed one).
import fs from 'node:fs';
import path from 'node:path';
import { home } from '../lab/state.js';

export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  minProperties?: number;
  items?: Schema;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  $defs?: Record<string, Schema>;
  description?: string;
}

export type Path = (string | number)[];

export interface SchemaError {
  path: Path;
  message: string;
  /** The error is about a key (unknown key): point at the key, not its value. */
  atKey?: boolean;
}

const schemaFile = path.join(home, 'docs', 'scenario.schema.json');

let cached: Schema | undefined;
export function scenarioSchema(): Schema {
  cached ??= JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as Schema;
  return cached;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export class Validator {
  constructor(private readonly root: Schema) {}

  validate(value: unknown, schema: Schema = this.root): SchemaError[] {
    return this.check(value, schema, []);
  }

  private resolve(s: Schema): Schema {
    let cur = s;
    while (cur.$ref) {
      const m = /^#\/\$defs\/(.+)$/.exec(cur.$ref);
      const target = m ? this.root.$defs?.[m[1]!] : undefined;
      if (!target) throw new Error(`schema: unresolvable $ref ${cur.$ref}`);
      cur = { ...target, ...Object.fromEntries(Object.entries(cur).filter(([k]) => k !== '$ref' && k !== 'description')) };
    }
    return cur;
  }

  private check(v: unknown, raw: Schema, at: Path): SchemaError[] {
    const s = this.resolve(raw);
    if (s.anyOf) return this.alternatives(v, s.anyOf, at, false, s);
    const errors: SchemaError[] = [];
    if (s.const !== undefined && v !== s.const) return [{ path: at, message: `must be ${show(s.const)}` }];
    if (s.enum && !s.enum.includes(v)) return [{ path: at, message: `must be one of ${s.enum.map(show).join(', ')} (got ${show(v)})` }];
    if (s.type) {
      const ts = Array.isArray(s.type) ? s.type : [s.type];
      if (!ts.some((t) => typeMatches(v, t))) return [{ path: at, message: `must be ${ts.map(article).join(' or ')} (got ${article(typeOf(v))})` }];
    }
    if (typeof v === 'string') {
      if (s.minLength !== undefined && v.length < s.minLength) errors.push({ path: at, message: 'must not be empty' });
      if (s.pattern && !new RegExp(s.pattern).test(v)) errors.push({ path: at, message: `${show(v)} is not valid here${s.description ? ` (${s.description})` : ` (expected ${s.pattern})`}` });
    }
    if (typeof v === 'number') {
      if (s.minimum !== undefined && v < s.minimum) errors.push({ path: at, message: `must be at least ${s.minimum} (got ${v})` });
      if (s.maximum !== undefined && v > s.maximum) errors.push({ path: at, message: `must be at most ${s.maximum} (got ${v})` });
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems) errors.push({ path: at, message: `needs at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}` });
      if (s.items) v.forEach((item, i) => errors.push(...this.check(item, s.items!, [...at, i])));
    }
    if (typeOf(v) === 'object') errors.push(...this.object(v as Record<string, unknown>, s, at));
    if (errors.length === 0 && s.oneOf) return this.alternatives(v, s.oneOf, at, true, s);
    return errors;
  }

  private object(v: Record<string, unknown>, s: Schema, at: Path): SchemaError[] {
    const errors: SchemaError[] = [];
    const keys = Object.keys(v);
    if (s.minProperties !== undefined && keys.length < s.minProperties) errors.push({ path: at, message: `needs at least ${s.minProperties} key${s.minProperties === 1 ? '' : 's'}` });
    for (const r of s.required ?? []) if (!(r in v)) errors.push({ path: at, message: `needs "${r}"` });
    const known = Object.keys(s.properties ?? {});
    for (const k of keys) {
      const prop = s.properties?.[k];
      if (prop) errors.push(...this.check(v[k], prop, [...at, k]));
      else if (s.additionalProperties === false) {
        const hint = closest(k, known);
        errors.push({ path: [...at, k], atKey: true, message: `unknown key "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${known.join(', ')}` });
      } else if (typeof s.additionalProperties === 'object') errors.push(...this.check(v[k], s.additionalProperties, [...at, k]));
    }
    return errors;
  }

  /** anyOf (one at least) / oneOf (exactly one); on failure, the errors of the branch the value most resembles. */
  private alternatives(v: unknown, branches: Schema[], at: Path, exactlyOne: boolean, parent: Schema): SchemaError[] {
    const results = branches.map((b) => this.check(v, b, at));
    const passing = results.filter((r) => r.length === 0).length;
    if (exactlyOne ? passing === 1 : passing > 0) return [];
    const resolved = branches.map((b) => this.resolve(b));
    // Branches that only say "has key X": the value must name exactly one of those keys.
    if (resolved.every((b) => b.required?.length === 1 && Object.keys(b).length === 1) && typeOf(v) === 'object') {
      const names = resolved.map((b) => b.required![0]!);
      const found = names.filter((n) => n in (v as object));
      const what = at.length > 0 && typeof at.at(-1) === 'number' ? 'a step' : 'this';
      return [{ path: at, message: `${what} needs exactly one of ${names.join(', ')} (found ${found.length ? found.join(', ') : 'none'}${parent.properties ? `; keys: ${Object.keys(v as object).join(', ')}` : ''})` }];
    }
    if (exactlyOne && passing > 1) return [{ path: at, message: 'matches more than one alternative; remove the ambiguity' }];
    const shaped = results.map((errs, i) => ({ errs, b: resolved[i]! })).filter(({ errs }) => !errs.some((e) => e.path.length === at.length && /^must be /.test(e.message)));
    if (shaped.length === 0) {
      const kinds = [...new Set(resolved.flatMap((b) => (b.const !== undefined ? [show(b.const)] : b.type ? (Array.isArray(b.type) ? b.type : [b.type]).map(article) : [])))];
      return [{ path: at, message: `must be ${kinds.join(' or ') || 'something else'} (got ${typeOf(v) === 'string' ? show(v) : article(typeOf(v))})` }];
    }
    const keyed = typeOf(v) === 'object' ? shaped.filter(({ b }) => (b.required ?? []).every((r) => r in (v as object)) && (b.required?.length ?? 0) > 0) : [];
    const pool = keyed.length > 0 ? keyed : shaped;
    pool.sort((a, b) => a.errs.length - b.errs.length || depth(b.errs) - depth(a.errs));
    return pool[0]!.errs;
  }
}

function depth(errs: SchemaError[]): number {
  return Math.max(0, ...errs.map((e) => e.path.length));
}

export function formatPath(p: Path): string {
  return p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || '(top level)';
}
