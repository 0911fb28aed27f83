// Field errors in the shape and wording of k8s.io/apimachinery's field.Error,
// so 422 messages read exactly like a real API server's.
import type { StatusCause } from '../errors.js';

export type FieldError = StatusCause & { field: string };

/** A value already rendered the way Go prints it. */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/** A map[string]string as Go's %#v prints it in field errors: sorted keys, quoted; nil when absent. */
export function goStringMap(map: Record<string, string> | undefined | null): GoLiteral {
  if (!map) return new GoLiteral('map[string]string(nil)');
  const entries = Object.keys(map).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(map[k])}`);
  return new GoLiteral(`map[string]string{${entries.join(', ')}}`);
}

/** Go's %v/%q rendering of a value inside "Invalid value: X". */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoLiteral) return value.text;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export const fieldErrors = {
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: ${detail}` };
  },
  required(field: string, detail = ''): FieldError {
    return { reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` };
  },
  notSupported(field: string, value: unknown, supported: string[]): FieldError {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    return { reason: 'FieldValueNotSupported', field, message: `Unsupported value: ${formatValue(value)}: supported values: ${list}` };
  },
  forbidden(field: string, detail: string): FieldError {
    return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
  },
  tooLong(field: string, max: number): FieldError {
    return { reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` };
  },
};

/** A path builder: path('spec').child('ports').index(0).child('port') -> "spec.ports[0].port". */
export class FieldPath {
  constructor(readonly text: string) {}
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

export function path(...names: string[]): FieldPath {
  return names.reduce((p, n) => p.child(n), new FieldPath(''));
}

/** Go's %v of a float64 (every JSON number decoded into interface{}): 80, 1.5, 1e+06, 1e+12. */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const [mantissa, e] = n.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp >= -4 && exp < 6) return String(n);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Go's %+v of a decoded JSON value, as upstream quotes a strategic merge patch: map[spec:map[replicas:1.5]]. */
export function goPlusV(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'number') return goFloat(value);
  if (Array.isArray(value)) return `[${value.map(goPlusV).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${k}:${goPlusV((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}
