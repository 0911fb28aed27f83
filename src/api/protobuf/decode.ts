// Protobuf request bodies (application/vnd.kubernetes.protobuf): the "k8s\0"
// magic, a runtime.Unknown envelope naming apiVersion/kind, and the object's own
// message, decoded into the same plain object the JSON form of it would be.
import protobuf from 'protobufjs';
import { badRequest, type ApiError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { kindMessages, messageFor, root } from '../schema/index.js';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
export const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const unknownType = root.lookupType('meta.Unknown');

const toObjectOptions: protobuf.IConversionOptions = { longs: Number, bytes: String, defaults: false, arrays: false, objects: false };

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${iso}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${iso}Z`;
}

/** A decoded message (protobufjs plain form) as Kubernetes' JSON would have it; undefined = absent. */
function plain(type: protobuf.Type, obj: Record<string, unknown>): unknown {
  switch (type.fullName) {
    case '.meta.Time':
    case '.meta.MicroTime': {
      const seconds = Number(obj.seconds ?? 0);
      const nanos = Number(obj.nanos ?? 0);
      return seconds === 0 && nanos === 0 ? undefined : rfc3339(seconds, nanos, type.name === 'MicroTime');
    }
    case '.meta.IntOrString':
      return Number(obj.type ?? 0) === 1 ? String(obj.strVal ?? '') : Number(obj.intVal ?? 0);
    case '.meta.Quantity':
      return obj.string || undefined;
    case '.meta.RawExtension':
    case '.meta.FieldsV1': {
      const raw = (obj.raw ?? obj.Raw) as string | undefined;
      return raw ? JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) : undefined;
    }
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const convert = (x: unknown): unknown => (message ? plain(message, x as Record<string, unknown>) : x);
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, convert(x) ?? '']));
    } else if (field.repeated) {
      const items = (v as unknown[]).map((x) => convert(x) ?? (message ? {} : x));
      if (items.length > 0) out[field.name] = items;
    } else if (message) {
      const c = convert(v);
      if (c === undefined) continue;
      if (field.options?.inline) Object.assign(out, c);
      else out[field.name] = c;
    } else if (field.options?.pointer || !isZero(v)) out[field.name] = v;
  }
  return out;
}

/** Go's protobuf errors, as a real API server words them. */
function decodeError(e: unknown): ApiError {
  const msg = (e as Error).message ?? String(e);
  if (/index out of range/.test(msg)) return badRequest('unexpected EOF');
  const wire = /invalid wire type (\d+)/.exec(msg);
  if (wire) return badRequest(`proto: illegal wireType ${wire[1]}`);
  return badRequest(`proto: ${msg}`);
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), toObjectOptions);
  } catch (e) {
    throw decodeError(e);
  }
}

/** Decodes a whole protobuf request body into the object it carries (apiVersion and kind set from the envelope). */
export function decodeProtobufBody(body: Buffer): KubeObject {
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) {
    throw badRequest(`provided data does not appear to be a protobuf message, expected prefix [${[...magic].join(' ')}]`);
  }
  const envelope = decodeMessage(unknownType, body.subarray(magic.length));
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  if (envelope.contentEncoding) throw badRequest(`unsupported content encoding ${JSON.stringify(envelope.contentEncoding)} in the protobuf body`);
  const type = messageFor(apiVersion, kind);
  if (!type) {
    const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
    throw badRequest(`no kind "${kind}" is registered for version "${gv}" in scheme "svclab protobuf decoder" (it decodes: ${Object.keys(kindMessages).join(', ')})`);
  }
  const raw = Buffer.from((envelope.raw as string | undefined) ?? '', 'base64');
  const obj = plain(type, decodeMessage(type, raw)) as KubeObject;
  return { apiVersion, kind, ...obj, metadata: obj.metadata ?? {} };
}
