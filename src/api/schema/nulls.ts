// JSON nulls read as decoding into Go types reads them: a null field is left
// unset (a null Time stays, as Go writes a zero Time back as null), and a null
// element of a list or map of objects is an empty object (the element type's
// zero value), so no strategy meets a null where it expects a value.
import protobuf from 'protobufjs';
import { fieldOptions } from './describe.js';

/** Types whose JSON is not an object of fields (kept as sent). */
const opaque = new Set(['.meta.Time', '.meta.MicroTime', '.meta.IntOrString', '.meta.Quantity', '.meta.RawExtension', '.meta.FieldsV1']);
const zero: Record<string, unknown> = { string: '', bool: false, int32: 0, int64: 0, double: 0, bytes: '' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Removes null fields and replaces null elements by their zero value, in place; call after the JSON type check. */
export function dropNulls(type: protobuf.Type, obj: Record<string, unknown>): void {
  for (const field of type.fieldsArray) {
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (fieldOptions(field).inline && message) {
      dropNulls(message, obj);
      continue;
    }
    const v = obj[field.name];
    const nested = message && !opaque.has(message.fullName) ? message : undefined;
    // A zero Time (or any value with its own JSON form) is written back as null, so null stays.
    if (v === null && (nested || !message)) delete obj[field.name];
    if (v === null || v === undefined) continue;
    const element = (x: unknown): unknown => {
      if (x === null) return nested ? {} : message ? null : zero[field.type];
      if (nested && isObject(x)) dropNulls(nested, x);
      return x;
    };
    if (field.map && isObject(v)) for (const [k, x] of Object.entries(v)) v[k] = element(x);
    else if (field.repeated && Array.isArray(v)) v.forEach((x, i) => (v[i] = element(x)));
    else if (nested && isObject(v)) dropNulls(nested, v);
  }
}
