import test from 'ava';
import protobuf from 'protobufjs';
import { resourceTypes } from '../../../src/api/resources.js';
import { fieldOptions, kindMessages, root } from '../../../src/api/schema/index.js';
import { openapiV3 } from '../../../src/apiserver/openapi.js';

function doc(gv: string): any {
  const index = JSON.parse(openapiV3('/openapi/v3')!);
  const url: string = index.paths[gv].serverRelativeURL;
  return JSON.parse(openapiV3(url.split('?')[0]!)!);
}

test('every served kind has a schema tagged with its group-version-kind, apiVersion and kind fields included', (t) => {
  for (const r of resourceTypes) {
    const gv = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
    const schemas = Object.values(doc(gv).components.schemas) as any[];
    const s = schemas.find((x) => x['x-kubernetes-group-version-kind']?.some((g: any) => g.kind === r.kind && g.group === r.group && g.version === r.version));
    t.truthy(s, `${r.kind} has a schema`);
    t.truthy(s.properties.apiVersion && s.properties.kind && s.properties.metadata, `${r.kind} has apiVersion, kind, metadata`);
    t.truthy(s.description, `${r.kind} is described`);
  }
});

test('schemas carry what kubectl explain and apply read: descriptions, enums, required fields, merge keys, int-or-string', (t) => {
  const schemas = doc('api/v1').components.schemas;
  const spec = schemas['io.k8s.api.core.v1.ServiceSpec'];
  t.deepEqual(spec.properties.type.enum, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
  t.regex(spec.properties.type.description, /NodePort adds a port on every node/);
  t.like(spec.properties.ports, { type: 'array', 'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge' });
  t.deepEqual(spec.properties.ports.items, { $ref: '#/components/schemas/io.k8s.api.core.v1.ServicePort' });
  t.deepEqual(schemas['io.k8s.api.core.v1.ServicePort'].required, ['port']);
  t.true(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string']);
  // Embedded structs are flattened: a key selector has name (from LocalObjectReference), key and optional.
  t.deepEqual(Object.keys(schemas['io.k8s.api.core.v1.ConfigMapKeySelector'].properties).sort(), ['key', 'name', 'optional']);
  t.deepEqual(Object.keys(schemas['io.k8s.api.core.v1.Probe'].properties).sort().slice(0, 3), ['exec', 'failureThreshold', 'grpc']);
  const patch = doc('apis/apps/v1').paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  t.truthy(patch.requestBody.content['application/strategic-merge-patch+json'], 'kubectl apply takes merge keys from these schemas');
  t.true(patch.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
});

test('every field of every served type is described (inlined structs bring their own fields)', (t) => {
  const envelope = new Set(['.meta.Unknown', '.meta.TypeMeta']);
  const missing: string[] = [];
  const seen = new Set<protobuf.Type>();
  const visit = (type: protobuf.Type): void => {
    if (seen.has(type) || envelope.has(type.fullName)) return;
    seen.add(type);
    if (!type.comment) missing.push(type.fullName);
    for (const f of type.fieldsArray) {
      const m = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
      const special = ['.meta.Time', '.meta.MicroTime', '.meta.IntOrString', '.meta.Quantity', '.meta.RawExtension', '.meta.FieldsV1'].includes(type.fullName);
      if (!f.comment && !fieldOptions(f).inline && !special) missing.push(`${type.fullName}.${f.name}`);
      if (m) visit(m);
    }
  };
  for (const name of Object.values(kindMessages)) visit(root.lookupType(name));
  t.deepEqual(missing, []);
});
