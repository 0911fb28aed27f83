// Fields an object has that its type does not: what a real API server's strict
// decoding reports as `unknown field "spec.template.spec.containers[0].imagee"`,
// and otherwise drops (decoding into Go types keeps only the fields they have).
import protobuf from 'protobufjs';
import { fieldOptions, otherFields } from './describe.js';

/** Types whose JSON is not an object of fields. */
const opaque = new Set(['.meta.Time', '.meta.MicroTime', '.meta.IntOrString', '.meta.Quantity', '.meta.RawExtension', '.meta.FieldsV1']);

function knownFields(type: protobuf.Type, into = new Map<string, protobuf.Field>()): Map<string, protobuf.Field> {
  for (const f of type.fieldsArray) {
    if (fieldOptions(f).inline && f.resolvedType instanceof protobuf.Type) knownFields(f.resolvedType, into);
    else into.set(f.name, f);
  }
  return into;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The paths of the unknown fields; with prune, they are also removed from obj. */
export function unknownFields(type: protobuf.Type, obj: unknown, prune = false, at = ''): string[] {
  if (!isObject(obj) || opaque.has(type.fullName)) return [];
  const fields = knownFields(type);
  const others = new Set(otherFields(type));
  const out: string[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const path = at ? `${at}.${key}` : key;
    if (!at && (key === 'apiVersion' || key === 'kind')) continue;
    const field = fields.get(key);
    if (!field) {
      if (others.has(key)) continue;
      out.push(path);
      if (prune) delete obj[key];
      continue;
    }
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (!message || field.map) continue;
    if (field.repeated) {
      if (Array.isArray(value)) value.forEach((item, i) => out.push(...unknownFields(message, item, prune, `${path}[${i}]`)));
    } else out.push(...unknownFields(message, value, prune, path));
  }
  return out;
}
