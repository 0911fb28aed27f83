// Matchers: "text" mode (outputs: a plain string must appear) and "value" mode
// (single values: a plain string must be equal); "/re/flags" is a regex in both.
import type { Matcher } from './model.js';

export type MatchMode = 'text' | 'value';
type Seen = string | number | boolean | undefined | null;

function regex(s: string): RegExp | undefined {
  const m = /^\/(.*)\/([dgimsuy]*)$/s.exec(s);
  return m ? new RegExp(m[1]!, m[2]) : undefined;
}

const present = (v: Seen): boolean => v !== undefined && v !== null && v !== '';

export function matches(m: Matcher, seen: Seen, mode: MatchMode): boolean {
  if (typeof m === 'number' || typeof m === 'boolean') return present(seen) && String(seen) === String(m);
  if (typeof m === 'string') {
    const re = regex(m);
    if (!present(seen)) return m === '' && mode === 'value';
    const text = String(seen);
    if (re) return re.test(text);
    return mode === 'text' ? text.includes(m) : text === m;
  }
  if (m.absent) return !present(seen);
  if (m.exists && !present(seen)) return false;
  if (m.equals !== undefined && String(seen) !== String(m.equals)) return false;
  if (m.contains !== undefined && !String(seen ?? '').includes(m.contains)) return false;
  if (m.matches !== undefined && !new RegExp(m.matches).test(String(seen ?? ''))) return false;
  if (m.min !== undefined && !(Number(seen) >= m.min)) return false;
  if (m.max !== undefined && !(Number(seen) <= m.max)) return false;
  if (m.anyOf && !m.anyOf.some((x) => matches(x, seen, mode))) return false;
  if (m.not !== undefined && matches(m.not, seen, mode)) return false;
  return true;
}

export function describe(m: Matcher, mode: MatchMode): string {
  if (typeof m === 'number' || typeof m === 'boolean') return String(m);
  if (typeof m === 'string') {
    if (regex(m)) return `matching ${m}`;
    return mode === 'text' ? `containing ${JSON.stringify(m)}` : m;
  }
  const parts: string[] = [];
  if (m.absent) parts.push('absent');
  if (m.exists) parts.push('present');
  if (m.equals !== undefined) parts.push(`= ${String(m.equals)}`);
  if (m.contains !== undefined) parts.push(`containing ${JSON.stringify(m.contains)}`);
  if (m.matches !== undefined) parts.push(`matching /${m.matches}/`);
  if (m.min !== undefined) parts.push(`>= ${m.min}`);
  if (m.max !== undefined) parts.push(`<= ${m.max}`);
  if (m.anyOf) parts.push(`one of (${m.anyOf.map((x) => describe(x, mode)).join(' | ')})`);
  if (m.not !== undefined) parts.push(`not ${describe(m.not, mode)}`);
  return parts.join(', ');
}

/** Short form of an output for reports: first lines, trimmed. */
export function excerpt(text: string, maxLines = 6, maxChars = 400): string {
  const t = text.replace(/\s+$/, '');
  if (!t) return '(empty)';
  const lines = t.split('\n');
  let out = lines.slice(0, maxLines).join('\n');
  if (out.length > maxChars) out = `${out.slice(0, maxChars)}…`;
  else if (lines.length > maxLines) out += `\n… (${lines.length - maxLines} more lines)`;
  return out;
}
