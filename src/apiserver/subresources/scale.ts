// The scale subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets:
// what `kubectl scale` reads and patches. Its body is decoded into Scale as
// upstream does (spec.replicas an int32), then validated (ValidateScale).
import { badRequest, invalid, methodNotAllowed } from '../../api/errors.js';
import { selectorFromObject, selectorToString } from '../../api/labels.js';
import type { ResourceType } from '../../api/resources.js';
import { messageFor } from '../../api/schema/index.js';
import type { Deployment, KubeObject } from '../../api/types.js';
import { fieldErrors } from '../../api/validation/field.js';
import { fieldValidation, readRequestBody, sendJson, setWarnings } from '../http.js';
import { applyJsonPatch, isPlainObject, mergePatch, patchTypeOf } from '../patch.js';
import { checkDecoded, patchRefusal, type Registry } from '../registry.js';
import type { SubresourceHandler } from '../server.js';

interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: KubeObject['metadata'];
  spec: { replicas?: number };
  status: { replicas: number; selector: string };
}

const scaleType = messageFor('autoscaling/v1', 'Scale')!;

function toScale(obj: KubeObject): Scale {
  const o = obj as Deployment;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = o.metadata;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: o.spec.replicas ?? 1 },
    status: { replicas: o.status?.replicas ?? 0, selector: selectorToString(selectorFromObject(o.spec.selector)) },
  };
}

export function scaleHandler(registry: Registry, t: ResourceType): SubresourceHandler {
  return async (r, req, res, query) => {
    const current = registry.get(t, r.namespace, r.name);
    if (req.method === 'GET') return sendJson(res, 200, toScale(current));
    let wanted: Scale;
    const warnings: string[] = [];
    const opts = { fieldValidation: fieldValidation(query), warnings };
    if (req.method === 'PUT') {
      const body = await readRequestBody(req, { kind: 'Scale' });
      if (!isPlainObject(body.value)) throw badRequest('Object in request body is not a valid JSON object');
      checkDecoded(scaleType, body.value, { ...opts, strictErrors: body.strictErrors, orderOf: body.orderOf }, (detail) => badRequest(`Scale in version "v1" cannot be handled as a Scale: ${detail}`));
      wanted = body.value as unknown as Scale;
    } else if (req.method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      const body = await readRequestBody(req, { patch: true });
      const base = toScale(current);
      const patched = type === 'json' ? applyJsonPatch(base, body.value, 'Scale', r.name) : mergePatch(base, body.value);
      const refuse = patchRefusal(type, body.value, patched);
      if (!isPlainObject(patched)) throw refuse('json: cannot unmarshal array into Go value of type autoscaling.Scale');
      checkDecoded(scaleType, patched, { ...opts, strictErrors: body.strictErrors }, refuse);
      wanted = patched as unknown as Scale;
    } else throw methodNotAllowed();
    // ScaleSpec.replicas is a Go int32, not a pointer: absent is 0.
    const replicas = wanted.spec?.replicas ?? 0;
    if (replicas < 0) throw invalid('Scale', r.name, [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')], 'autoscaling');
    const rv = wanted.metadata?.resourceVersion;
    const updated = await registry.patch(t, r.namespace, r.name, 'merge', { metadata: rv ? { resourceVersion: rv } : {}, spec: { replicas } });
    setWarnings(res, warnings);
    sendJson(res, 200, toScale(updated));
  };
}
