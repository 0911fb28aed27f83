// POST pods/<name>/binding: how the scheduler assigns a pod to a node.
import { badRequest, conflict } from '../../api/errors.js';
import { types } from '../../api/resources.js';
import { timestamp, type Pod } from '../../api/types.js';
import { readBody, sendJson } from '../http.js';
import type { Registry } from '../registry.js';
import type { SubresourceHandler } from '../server.js';

export function bindingHandler(registry: Registry): SubresourceHandler {
  return async (r, req, res) => {
    if (req.method !== 'POST') throw badRequest('binding only supports POST');
    const body = (await readBody(req)) as { target?: { kind?: string; name?: string } } | undefined;
    const node = body?.target?.name;
    if (!node) throw badRequest('target.name is required');
    await registry.mutate(types.pods, r.namespace, r.name, (obj) => {
      const pod = obj as Pod;
      if (pod.metadata.deletionTimestamp) throw conflict('pods', r.name, 'pod is being deleted, cannot be assigned to a host');
      if (pod.spec.nodeName) throw conflict('pods', r.name, `pod ${r.name} is already assigned to node "${pod.spec.nodeName}"`);
      pod.spec.nodeName = node;
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      pod.status = { ...pod.status, conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }, ...conditions] };
      return pod;
    });
    sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  };
}
