// The project's own description of the Kubernetes protobuf messages it decodes
// (facts from upstream's generated.proto: field names, numbers, types), in a
// compact form compiled into a protobufjs Root.
//
// A field is written 'NUMBER TYPE[FLAGS]':
//   TYPE   string | bool | int32 | int64 | bytes | Message | pkg.Message | []TYPE | map<string,TYPE>
//   '?'    after the type: a Go pointer (*int32, *bool...): kept when sent, even when zero.
//          Other scalars are Go values that gogo-protobuf always sends, so their zero
//          value means "not set" (JSON's omitempty) and is dropped.
//   '...'  before the type: an embedded Go struct, inlined into its parent in JSON
//          (Probe.handler, Volume.volumeSource, ConfigMapKeySelector's LocalObjectReference).
import protobuf from 'protobufjs';

export type Fields = Record<string, string>;

export interface Package {
  name: string;
  messages: Record<string, Fields>;
}

const scalars = new Set(['string', 'bool', 'int32', 'int64', 'bytes', 'double']);

interface FieldJson {
  id: number;
  type: string;
  rule?: 'repeated';
  keyType?: string;
  options?: Record<string, boolean>;
}

function fieldJson(spec: string, where: string): FieldJson {
  const m = /^(\d+) (\.\.\.)?(\[\])?(map<string,)?([\w.]+)(>)?(\?)?$/.exec(spec);
  if (!m || !!m[4] !== !!m[6]) throw new Error(`bad protobuf field description ${where}: '${spec}'`);
  const [, id, inline, repeated, map, type, , pointer] = m;
  const field: FieldJson = { id: Number(id), type: type! };
  if (repeated) field.rule = 'repeated';
  if (map) field.keyType = 'string';
  const options: Record<string, boolean> = {};
  if (inline) options.inline = true;
  if (pointer) options.pointer = true;
  if (Object.keys(options).length > 0) field.options = options;
  if (scalars.has(type!) && inline) throw new Error(`only messages can be inlined (${where})`);
  return field;
}

/** Compiles packages into one protobufjs Root; every type reference is resolved (a typo throws here). */
export function compile(packages: Package[]): protobuf.Root {
  const nested: Record<string, unknown> = {};
  for (const p of packages) {
    const messages: Record<string, unknown> = {};
    for (const [name, fields] of Object.entries(p.messages)) {
      // proto2, as upstream's files: scalars have explicit presence, repeated scalars are unpacked.
      messages[name] = { edition: 'proto2', fields: Object.fromEntries(Object.entries(fields).map(([f, spec]) => [f, fieldJson(spec, `${p.name}.${name}.${f}`)])) };
    }
    nested[p.name] = { nested: messages };
  }
  const root = protobuf.Root.fromJSON({ nested } as protobuf.INamespace);
  root.resolveAll();
  return root;
}
