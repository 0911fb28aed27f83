// A minimal OpenAPI v3: the /openapi/v3 index (one document per group-version)
// and per-group-version documents whose PATCH operations list the
// `fieldValidation` query parameter. That is what kubectl reads to validate on
// the server side (`kubectl apply -f` with its default --validate=strict);
// schemas are left out, so kubectl falls back to its built-in types for
// strategic merge patches and `kubectl explain` has nothing to show.
import crypto from 'node:crypto';
import { resourceTypes, type ResourceType } from '../api/resources.js';

function basePath(t: ResourceType): string {
  return t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
}

function patchOperation(t: ResourceType): unknown {
  return {
    operationId: `patch${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
    'x-kubernetes-action': 'patch',
    'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
    parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } })),
    responses: { '200': { description: 'OK' } },
  };
}

function document(gv: string): unknown {
  const paths: Record<string, unknown> = {};
  for (const t of resourceTypes.filter((r) => basePath(r) === gv)) {
    const item = `/${gv}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`;
    paths[item] = { patch: patchOperation(t) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0-svclab' }, paths, components: { schemas: {} } };
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
