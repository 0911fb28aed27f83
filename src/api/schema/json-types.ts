// JSON values of the wrong type for their field (a string where an object or a
// number belongs...): refused as decoding into Go types refuses them, in Go's
// words, before any defaulting could trip over them.
import protobuf from 'protobufjs';
import { fieldOptions } from './describe.js';

const goPackages: Record<string, string> = { meta: 'v1', core: 'v1', apps: 'v1', autoscaling: 'v1', discovery: 'v1', coordination: 'v1', rbac: 'v1' };
const goScalars: Record<string, string> = { string: 'string', bool: 'bool', int32: 'int32', int64: 'int64', double: 'float64', bytes: '[]uint8' };

function goType(field: protobuf.Field, element = false): string {
  const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  const one = message ? `${specialGo[message.fullName] ?? `${goPackages[message.parent!.name] ?? 'v1'}.${message.name}`}` : goScalars[field.type]!;
  if (element) return one;
  if (field.map) return `map[string]${one}`;
  return field.repeated ? `[]${one}` : one;
}

const specialGo: Record<string, string> = { '.meta.IntOrString': 'intstr.IntOrString', '.meta.Quantity': 'resource.Quantity', '.meta.RawExtension': 'runtime.RawExtension' };

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'object';
}

const intRanges = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] } as const;

/** An integer Go can hold in the type: 1.5 and 1e12 do not fit an int32. */
function inRange(v: unknown, type: 'int32' | 'int64'): boolean {
  const [lo, hi] = intRanges[type];
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && (type === 'int64' ? v < 2 ** 63 : v <= hi);
}

/** Whether a JSON value fits one value of the field (an element, for lists and maps). */
function fits(field: protobuf.Field, v: unknown): boolean {
  if (v === null) return true;
  const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  switch (message?.fullName) {
    case '.meta.Time':
    case '.meta.MicroTime':
      return typeof v === 'string';
    case '.meta.IntOrString':
      return typeof v === 'string' || inRange(v, 'int32');
    case '.meta.Quantity':
      return typeof v === 'string' || typeof v === 'number';
    case '.meta.RawExtension':
    case '.meta.FieldsV1':
      return true;
  }
  if (message) return jsonType(v) === 'object';
  switch (field.type) {
    case 'bool':
      return typeof v === 'boolean';
    case 'int32':
    case 'int64':
      return inRange(v, field.type);
    case 'double':
      return typeof v === 'number';
    default:
      return typeof v === 'string';
  }
}

/** The first value of the wrong JSON type, as Go's encoding/json reports it; undefined when all fit. */
export function jsonTypeError(type: protobuf.Type, obj: Record<string, unknown>, at = ''): string | undefined {
  for (const field of type.fieldsArray) {
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (fieldOptions(field).inline && message) {
      const inner = jsonTypeError(message, obj, at);
      if (inner) return inner;
      continue;
    }
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const path = at ? `${at}.${field.name}` : field.name;
    const wrong = (value: unknown, typeName: string): string => {
      // A number that is no integer of the type is named, as Go's UnmarshalTypeError does.
      if (typeof value === 'number' && typeName === 'intstr.IntOrString') return `json: cannot unmarshal number ${value} into Go value of type int32`;
      const what = typeof value === 'number' && typeName.startsWith('int') ? `number ${value}` : jsonType(value);
      return `json: cannot unmarshal ${what} into Go struct field ${type.name}.${path} of type ${typeName}`;
    };
    const nested = (value: unknown): string | undefined =>
      message && !['.meta.Time', '.meta.MicroTime', '.meta.IntOrString', '.meta.Quantity', '.meta.RawExtension', '.meta.FieldsV1'].includes(message.fullName) && value !== null
        ? jsonTypeError(message, value as Record<string, unknown>, path)
        : undefined;
    if (field.map || field.repeated) {
      const container = field.map ? jsonType(v) === 'object' : Array.isArray(v);
      if (!container) return wrong(v, goType(field));
      for (const item of Object.values(v as object)) {
        if (!fits(field, item)) return wrong(item, goType(field, true));
        const inner = nested(item);
        if (inner) return inner;
      }
      continue;
    }
    if (!fits(field, v)) return wrong(v, goType(field));
    const inner = nested(v);
    if (inner) return inner;
  }
  return undefined;
}
