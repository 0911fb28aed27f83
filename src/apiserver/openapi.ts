// OpenAPI v3, generated from the type descriptions (src/api/schema): the
// /openapi/v3 index (one document per group-version) and per-group-version
// documents with the schema of every kind and of the types they use — field
// types, descriptions, enums, required fields and the patch merge keys — and
// PATCH operations that list the `fieldValidation` query parameter. kubectl
// reads them for `kubectl explain`, for validation on the server side
// (`--validate=strict`) and for the strategic merge patches of `kubectl apply`.
import crypto from 'node:crypto';
import protobuf from 'protobufjs';
import { resourceTypes, type ResourceType } from '../api/resources.js';
import { fieldOptions, kindMessages, root } from '../api/schema/index.js';

type Schema = Record<string, unknown>;

/** Upstream's names for the apimachinery types that do not live in meta/v1. */
const specialNames: Record<string, string> = {
  '.meta.IntOrString': 'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  '.meta.Quantity': 'io.k8s.apimachinery.pkg.api.resource.Quantity',
  '.meta.RawExtension': 'io.k8s.apimachinery.pkg.runtime.RawExtension',
};

function schemaName(type: protobuf.Type): string {
  const prefix = (type.parent?.options as { openapiPrefix?: string } | undefined)?.openapiPrefix;
  return specialNames[type.fullName] ?? `${prefix}.${type.name}`;
}

const ref = (type: protobuf.Type): Schema => ({ $ref: `#/components/schemas/${schemaName(type)}` });

const scalarSchemas: Record<string, Schema> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  bytes: { type: 'string', format: 'byte' },
};

function messageOf(field: protobuf.Field): protobuf.Type | undefined {
  return field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
}

function fieldSchema(field: protobuf.Field): Schema {
  const opts = fieldOptions(field);
  const message = messageOf(field);
  const one: Schema = message ? ref(message) : { ...scalarSchemas[field.type] };
  let s: Schema;
  if (field.map) s = { type: 'object', additionalProperties: one };
  else if (field.repeated) {
    s = { type: 'array', items: one };
    if (opts.mergeKey) Object.assign(s, { 'x-kubernetes-patch-merge-key': opts.mergeKey, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [opts.mergeKey] });
    else if (opts.mergeSet) Object.assign(s, { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' });
    else s['x-kubernetes-list-type'] = 'atomic';
  } else s = message ? { allOf: [one] } : one; // allOf: a reference that carries its own description, as upstream writes it
  if (field.comment) s.description = field.comment;
  if (opts.enum) s.enum = opts.enum.split('|');
  return s;
}

/** Properties of a message, with inlined (embedded) messages flattened in. */
function properties(type: protobuf.Type, required: string[]): Record<string, Schema> {
  const props: Record<string, Schema> = {};
  for (const field of type.fieldsArray) {
    const message = messageOf(field);
    if (fieldOptions(field).inline && message) {
      Object.assign(props, properties(message, required));
      continue;
    }
    props[field.name] = fieldSchema(field);
    if (fieldOptions(field).required) required.push(field.name);
  }
  return props;
}

const kindOf = new Map(Object.entries(kindMessages).map(([gvk, name]) => [`.${name}`, gvk]));

function typeSchema(type: protobuf.Type): Schema {
  const description = type.comment ?? '';
  switch (type.fullName) {
    case '.meta.Time':
    case '.meta.MicroTime':
      return { type: 'string', format: 'date-time', description };
    case '.meta.IntOrString':
      return { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true, description };
    case '.meta.Quantity':
      return { type: 'string', description };
    case '.meta.RawExtension':
    case '.meta.FieldsV1':
      return { type: 'object', description };
  }
  const required: string[] = [];
  let props = properties(type, required);
  const schema: Schema = { type: 'object', description };
  const gvk = kindOf.get(type.fullName);
  if (gvk) {
    const [apiVersion, kind] = gvk.split(' ') as [string, string];
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    props = {
      apiVersion: { type: 'string', description: 'The versioned schema of this object: the group and version it is written in.' },
      kind: { type: 'string', description: 'The kind of object this is, in CamelCase.' },
      ...props,
    };
    schema['x-kubernetes-group-version-kind'] = [{ group, version, kind }];
  }
  schema.properties = props;
  if (required.length > 0) schema.required = required;
  return schema;
}

/** Every type a set of types refers to, themselves included. */
function reachable(start: protobuf.Type[]): protobuf.Type[] {
  const seen = new Set<protobuf.Type>();
  const visit = (t: protobuf.Type): void => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const f of t.fieldsArray) {
      const m = messageOf(f);
      if (m) visit(m);
    }
  };
  start.forEach(visit);
  return [...seen];
}

function basePath(t: ResourceType): string {
  return t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
}

const patchTypes = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function patchOperation(t: ResourceType): unknown {
  return {
    operationId: `patch${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
    parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } })),
    // Listing strategic merge patch here makes kubectl apply take the merge keys from these schemas.
    requestBody: { content: Object.fromEntries(patchTypes.map((type) => [type, { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } }])), required: true },
    responses: { '200': { description: 'OK' } },
  };
}

function kindType(t: ResourceType): protobuf.Type | undefined {
  const name = kindMessages[`${t.group ? `${t.group}/${t.version}` : t.version} ${t.kind}`];
  return name ? root.lookupType(name) : undefined;
}

function document(gv: string): unknown {
  const served = resourceTypes.filter((r) => basePath(r) === gv);
  const paths: Record<string, unknown> = {};
  for (const t of served.filter((r) => !r.verbs || r.verbs.includes('patch'))) {
    const item = `/${gv}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`;
    paths[item] = { patch: patchOperation(t) };
  }
  const kinds = served.map(kindType).filter((k): k is protobuf.Type => k !== undefined);
  const schemas = Object.fromEntries(
    [
      ...reachable(kinds).map((type) => [schemaName(type), typeSchema(type)] as const),
      ['io.k8s.apimachinery.pkg.apis.meta.v1.Patch', { type: 'object', description: 'The body of a PATCH request, in one of the patch formats.' }] as const,
    ].sort(([a], [b]) => a.localeCompare(b)),
  );
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0-svclab' }, paths, components: { schemas } };
}

interface Served {
  body: string;
  hash: string;
}

const docs = new Map<string, Served>();
for (const gv of new Set(resourceTypes.map(basePath))) {
  const body = JSON.stringify(document(gv));
  docs.set(gv, { body, hash: crypto.createHash('sha512').update(body).digest('hex').toUpperCase() });
}

const index = JSON.stringify({
  paths: Object.fromEntries([...docs].map(([gv, d]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${d.hash}` }])),
});

/** The body served at an /openapi/v3 path, or undefined when there is none. */
export function openapiV3(pathname: string): string | undefined {
  if (pathname === '/openapi/v3') return index;
  const prefix = '/openapi/v3/';
  return pathname.startsWith(prefix) ? docs.get(pathname.slice(prefix.length))?.body : undefined;
}
