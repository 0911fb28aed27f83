// One pass over JSON text before it is parsed, as Go's decoder does while it
// decodes: nesting deeper than the limit is refused (in encoding/json's words),
// and object keys that appear twice are reported by path the way
// sigs.k8s.io/json's strict decoding reports them (`duplicate field "spec.replicas"`).

/**
 * How deep a request body may nest. Upstream's Go decoder allows 10000; Node's recursive
 * JSON.stringify and structuredClone overflow the stack near 4000, so the lab stops far below.
 */
export const maxNestingDepth = 1000;
/** sigs.k8s.io/json keeps at most this many strict errors. */
const maxStrictErrors = 100;

interface Frame {
  object: boolean;
  path: string;
  keys?: Set<string>;
  index: number;
  key?: string;
}

function childPath(f: Frame | undefined): string {
  if (!f) return '';
  if (!f.object) return `${f.path}[${f.index}]`;
  return f.path ? `${f.path}.${f.key}` : (f.key ?? '');
}

export interface JsonScan {
  /** `duplicate field "spec.replicas"`, once per path. */
  duplicates: string[];
  /** Where a Go decoder meets a strict error: a key path's first appearance (`unknown field`) or its first repeat (`duplicate field`). */
  orderOf(error: string): number;
}

/**
 * Throws ("invalid character '[' exceeded max depth") when text nests deeper than
 * maxDepth; returns the duplicate fields otherwise. Syntax errors are left to JSON.parse.
 */
export function scanJson(text: string, maxDepth = maxNestingDepth): JsonScan {
  const stack: Frame[] = [];
  const duplicates: string[] = [];
  const seen = new Map<string, number>();
  const first = new Map<string, number>();
  let keys = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let escaped = false;
      for (i = start; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.object) {
        const raw = text.slice(start, i);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            // a bad escape: JSON.parse of the whole body reports it
          }
        }
        const p = top.path ? `${top.path}.${key}` : key;
        keys++;
        if (top.keys!.has(key)) {
          if (!seen.has(p) && duplicates.length < maxStrictErrors) {
            seen.set(p, keys);
            duplicates.push(`duplicate field "${p}"`);
          }
        } else {
          top.keys!.add(key);
          if (!first.has(p)) first.set(p, keys);
        }
        top.key = key;
        expectKey = false;
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) throw new Error(`invalid character '${text[i]}' exceeded max depth`);
      const object = c === 0x7b;
      stack.push({ object, path: childPath(stack[stack.length - 1]), index: 0, ...(object ? { keys: new Set<string>() } : {}) });
      expectKey = object;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.object) expectKey = true;
      else if (top) top.index++;
    }
  }
  const orderOf = (error: string): number => {
    const m = /^(duplicate|unknown) field "(.*)"$/.exec(error);
    return (m && (m[1] === 'duplicate' ? seen : first).get(m[2]!)) ?? Number.MAX_SAFE_INTEGER;
  };
  return { duplicates, orderOf };
}

/** The nesting depth of a decoded value, without recursion (for YAML and protobuf bodies). */
export function valueDepth(value: unknown, limit = maxNestingDepth): number {
  let deepest = 0;
  const todo: [unknown, number][] = [[value, 0]];
  while (todo.length > 0) {
    const [v, depth] = todo.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    for (const child of Object.values(v)) if (typeof child === 'object' && child !== null) todo.push([child, d]);
  }
  return deepest;
}
