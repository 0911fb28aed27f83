// Protobuf request bodies as kubectl's typed clients send them, encoded with
// protobufjs from the project's own message descriptions (the reverse of the decoder).
import protobuf from 'protobufjs';
import { magic } from '../../src/api/protobuf/decode.js';
import { messageFor, root } from '../../src/api/schema/index.js';

function parseTime(text: string): { seconds: number; nanos: number } {
  const ms = Date.parse(text);
  const frac = /\.(\d+)Z$/.exec(text)?.[1] ?? '';
  return { seconds: Math.floor(ms / 1000), nanos: Number(frac.padEnd(9, '0').slice(0, 9)) };
}

/** The protobufjs plain form of a Kubernetes JSON value of this message type. */
function wire(type: protobuf.Type, value: unknown): Record<string, unknown> {
  switch (type.fullName) {
    case '.meta.Time':
    case '.meta.MicroTime':
      return parseTime(value as string);
    case '.meta.IntOrString':
      return typeof value === 'string' ? { type: 1, strVal: value } : { type: 0, intVal: value };
    case '.meta.Quantity':
      return { string: value };
  }
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const convert = (x: unknown): unknown => (message ? wire(message, x) : field.type === 'bytes' ? Buffer.from(x as string, 'base64') : x);
    if (field.options?.inline && message) {
      out[field.name] = wire(message, obj);
      continue;
    }
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    if (field.map) out[field.name] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, convert(x)]));
    else if (field.repeated) out[field.name] = (v as unknown[]).map(convert);
    else out[field.name] = convert(v);
  }
  return out;
}

/** The bytes of a protobuf body: magic, then runtime.Unknown carrying the object's message. */
export function encodeBody(obj: { apiVersion: string; kind: string; [k: string]: unknown }): Buffer {
  const type = messageFor(obj.apiVersion, obj.kind);
  if (!type) throw new Error(`no message for ${obj.apiVersion} ${obj.kind}`);
  const raw = type.encode(type.fromObject(wire(type, obj))).finish();
  const unknown = root.lookupType('meta.Unknown');
  const envelope = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion: obj.apiVersion, kind: obj.kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([magic, envelope]);
}
