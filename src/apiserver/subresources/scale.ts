// The scale subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets:
// what `kubectl scale` reads and patches.
import { badRequest, methodNotAllowed } from '../../api/errors.js';
import { selectorFromObject, selectorToString } from '../../api/labels.js';
import type { ResourceType } from '../../api/resources.js';
import type { Deployment, KubeObject } from '../../api/types.js';
import { fieldErrors } from '../../api/validation/field.js';
import { invalid } from '../../api/errors.js';
import { readBody, sendJson } from '../http.js';
import { applyJsonPatch, mergePatch, patchTypeOf } from '../patch.js';
import type { Registry } from '../registry.js';
import type { SubresourceHandler } from '../server.js';

interface Scale {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: KubeObject['metadata'];
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

export function toScale(obj: KubeObject): Scale {
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
  return async (r, req, res) => {
    const current = registry.get(t, r.namespace, r.name);
    if (req.method === 'GET') return sendJson(res, 200, toScale(current));
    let wanted: Scale;
    const body = await readBody(req);
    if (req.method === 'PUT') wanted = body as Scale;
    else if (req.method === 'PATCH') {
      const type = patchTypeOf(req.headers['content-type']);
      const base = toScale(current);
      wanted = (type === 'json' ? applyJsonPatch(base, body, 'Scale', r.name) : mergePatch(base, body)) as Scale;
    } else throw methodNotAllowed();
    const replicas = wanted?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) throw badRequest('spec.replicas must be an integer');
    if (replicas < 0) throw invalid('Scale', r.name, [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')], 'autoscaling');
    const rv = wanted.metadata?.resourceVersion;
    const updated = await registry.patch(t, r.namespace, r.name, 'merge', { metadata: rv ? { resourceVersion: rv } : {}, spec: { replicas } });
    sendJson(res, 200, toScale(updated));
  };
}
