// The project's own description of the Kubernetes types it serves, one per
// type: field names, protobuf numbers and types (facts from upstream's
// generated.proto), Go pointer-ness, patch strategy, and the documentation
// `kubectl explain` shows. Compiled into one protobufjs Root, from which the
// protobuf decoder and the OpenAPI documents are both derived.
//
// A message is { '': 'what it is', field: 'NUMBER TYPE[?] [FLAGS...] -- what it means', ... }, and
// '+': 'a b c' lists upstream fields the lab does not describe: accepted and kept as sent
// (not unknown fields), but neither decoded from protobuf nor shown by `kubectl explain`.
//   TYPE   string | bool | int32 | int64 | bytes | double | Message | pkg.Message | []TYPE | map<string,TYPE>
//   '?'    after the type: a Go pointer (*int32, *bool...): kept when sent, even when zero.
//          Other scalars are Go values that gogo-protobuf always sends, so their zero
//          value means "not set" (JSON's omitempty) and is dropped.
//   '...'  before the type: an embedded Go struct, inlined into its parent in JSON
//          (Probe.handler, Volume.volumeSource, ConfigMapKeySelector's LocalObjectReference).
// FLAGS:
//   merge:KEY   a list whose elements strategic merge patch matches by KEY (patchMergeKey)
//   merge       a list of primitives that strategic merge patch merges as a set
//   required    marked required in the OpenAPI schema
//   enum:A|B|C  the values a string field takes (`kubectl explain` lists them)
import protobuf from 'protobufjs';

type Fields = Record<string, string>;

export interface Package {
  name: string;
  /** Upstream's OpenAPI name prefix for the package's types, e.g. io.k8s.api.core.v1. */
  openapiPrefix: string;
  messages: Record<string, Fields>;
}

export interface FieldOptions {
  inline?: boolean;
  pointer?: boolean;
  mergeKey?: string;
  mergeSet?: boolean;
  required?: boolean;
  enum?: string;
}

const scalars = new Set(['string', 'bool', 'int32', 'int64', 'bytes', 'double']);

interface FieldJson {
  id: number;
  type: string;
  rule?: 'repeated';
  keyType?: string;
  options?: FieldOptions;
  comment?: string;
}

function fieldJson(text: string, where: string): FieldJson {
  const split = text.indexOf(' -- ');
  const spec = split < 0 ? text : text.slice(0, split);
  const [num, typeSpec, ...flags] = spec.split(' ').filter(Boolean);
  const m = /^(\d+) (\.\.\.)?(\[\])?(map<string,)?([\w.]+)(>)?(\?)?$/.exec(`${num} ${typeSpec}`);
  if (!m || !!m[4] !== !!m[6]) throw new Error(`bad type description ${where}: '${spec}'`);
  const [, id, inline, repeated, map, type, , pointer] = m;
  const field: FieldJson = { id: Number(id), type: type! };
  if (repeated) field.rule = 'repeated';
  if (map) field.keyType = 'string';
  const options: FieldOptions = {};
  if (inline) options.inline = true;
  if (pointer) options.pointer = true;
  for (const flag of flags) {
    if (flag === 'required') options.required = true;
    else if (flag === 'merge') options.mergeSet = true;
    else if (flag.startsWith('merge:')) options.mergeKey = flag.slice('merge:'.length);
    else if (flag.startsWith('enum:')) options.enum = flag.slice('enum:'.length);
    else throw new Error(`bad flag '${flag}' in ${where}`);
  }
  if (Object.keys(options).length > 0) field.options = options;
  if (split >= 0) field.comment = text.slice(split + 4).trim();
  if (scalars.has(type!) && inline) throw new Error(`only messages can be inlined (${where})`);
  return field;
}

/** Compiles packages into one protobufjs Root; every type reference is resolved (a typo throws here). */
export function compile(packages: Package[]): protobuf.Root {
  const nested: Record<string, unknown> = {};
  for (const p of packages) {
    const messages: Record<string, unknown> = {};
    for (const [name, fields] of Object.entries(p.messages)) {
      const json: Record<string, FieldJson> = {};
      for (const [f, spec] of Object.entries(fields)) if (f !== '' && f !== '+') json[f] = fieldJson(spec, `${p.name}.${name}.${f}`);
      // proto2, as upstream's files: scalars have explicit presence, repeated scalars are unpacked.
      messages[name] = { edition: 'proto2', fields: json, ...(fields[''] ? { comment: fields[''] } : {}), ...(fields['+'] ? { options: { otherFields: fields['+'] } } : {}) };
    }
    nested[p.name] = { nested: messages, options: { openapiPrefix: p.openapiPrefix } };
  }
  const root = protobuf.Root.fromJSON({ nested } as protobuf.INamespace);
  root.resolveAll();
  return root;
}

/** Upstream fields of a type the lab keeps as sent without describing them. */
export function otherFields(type: protobuf.Type): string[] {
  return ((type.options as { otherFields?: string } | undefined)?.otherFields ?? '').split(' ').filter(Boolean);
}

export function fieldOptions(field: protobuf.Field): FieldOptions {
  return (field.options ?? {}) as FieldOptions;
}
