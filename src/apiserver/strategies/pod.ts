// Pods: status starts Pending; deletion is graceful (deletionTimestamp now +
// grace period) until the node's kubelet has stopped the containers and sends
// the final delete with gracePeriodSeconds=0. Unscheduled or finished pods go at once.
import { defaultPod } from '../../api/defaults/pod.js';
import { types } from '../../api/resources.js';
import { validatePod, validatePodName } from '../../api/validation/pod.js';
import { timestamp, type KubeObject, type Pod } from '../../api/types.js';
import type { DeleteOptions, Strategy } from '../registry.js';

function podGracefulDelete(obj: KubeObject, options: DeleteOptions): KubeObject | undefined {
  const pod = obj as Pod;
  const phase = pod.status?.phase;
  if (!pod.spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return undefined;
  const grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  if (grace <= 0) return undefined; // forced, or the kubelet's final delete
  const current = pod.metadata.deletionGracePeriodSeconds;
  if (pod.metadata.deletionTimestamp && current !== undefined && current <= grace) return pod;
  const at = new Date(Date.now() + grace * 1000);
  return { ...pod, metadata: { ...pod.metadata, deletionTimestamp: timestamp(at), deletionGracePeriodSeconds: grace } };
}

export const podStrategy: Strategy = {
  type: types.pods,
  validateName: validatePodName,
  defaults: (obj) => defaultPod(obj as Pod),
  validate: (obj, old) => validatePod(obj as Pod, old as Pod | undefined),
  prepareCreate(obj) {
    const pod = obj as Pod;
    // The ServiceAccount admission plugin's default (the account itself is not required to exist here).
    if (pod.spec && typeof pod.spec === 'object') {
      pod.spec.serviceAccountName ||= (pod.spec.serviceAccount as string | undefined) || 'default';
      pod.spec.serviceAccount = pod.spec.serviceAccountName;
    }
    pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
    if (!pod.spec?.nodeName) return;
    // Created already bound (spec.nodeName set): scheduled from the start.
    pod.status.conditions = [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }];
  },
  gracefulDelete: podGracefulDelete,
};
