// Deployment controller, after pkg/controller/deployment: one ReplicaSet per
// pod template, named <deployment>-<pod-template-hash>; RollingUpdate and
// Recreate rollouts, proportional scaling, revision annotations, status with
// the Available and Progressing conditions, and old ReplicaSets pruned beyond
// revisionHistoryLimit. This file wires the informers and picks the rollout.
import { selectorFromObject, matches } from '../../api/labels.js';
import { types } from '../../api/resources.js';
import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import type { ApiClient } from '../../client/client.js';
import { EventRecorder } from '../../client/events.js';
import { cacheKey, type Informer } from '../../client/informer.js';
import { claim, controllerRef } from '../ownership.js';
import { WorkQueue } from '../workqueue.js';
import { rolloutRecreate } from './recreate.js';
import { byCreation } from './replicas.js';
import { rolloutRolling } from './rolling.js';
import { DeploymentSync } from './sync.js';

const component = 'deployment-controller';

/** syncDeployment: adopt and release ReplicaSets, then scale, roll out, or only report status. */
async function syncDeployment(s: DeploymentSync, client: ApiClient, replicasets: Informer<ReplicaSet>): Promise<void> {
  const d = s.d;
  const selector = selectorFromObject(d.spec.selector);
  if (selector.length === 0) {
    s.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
    if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) await s.writeStatus({ ...d.status, observedGeneration: d.metadata.generation });
    return;
  }
  const rsList = structuredClone(
    await claim({
      client,
      owner: d,
      selector,
      type: types.replicasets,
      candidates: replicasets.list().filter((rs) => rs.metadata.namespace === s.ns),
      canAdopt: async () => {
        const fresh = await client.get<Deployment>(types.deployments, s.name, s.ns);
        return fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
      },
    }),
  ).sort(byCreation);
  if (d.metadata.deletionTimestamp) {
    const [newRS, oldRSs] = await s.replicaSets(rsList, false);
    return s.syncStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS, false);
  }
  await s.checkPausedCondition();
  if (d.spec.paused || (await s.isScalingEvent(rsList))) return s.scaleOnly(rsList);
  if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(s, rsList);
  return rolloutRolling(s, rsList);
}

export function startDeploymentController(
  client: ApiClient,
  deployments: Informer<Deployment>,
  replicasets: Informer<ReplicaSet>,
  pods: Informer<Pod>,
  events = new EventRecorder(client, component),
): () => void {
  const queue = new WorkQueue(component, async (key: string) => {
    const cached = deployments.get(key);
    if (!cached) return;
    const ctx = { client, events, pods: () => pods.list(), requeueAfter: (ms: number) => queue.addAfter(key, ms) };
    await syncDeployment(new DeploymentSync(ctx, structuredClone(cached)), client, replicasets);
  });

  function ownerKey(rs: ReplicaSet | Pod, kind: string): string | undefined {
    const ref = controllerRef(rs);
    if (ref?.kind !== kind) return undefined;
    return `${rs.metadata.namespace}/${ref.name}`;
  }

  function deploymentOf(rs: ReplicaSet): string | undefined {
    const key = ownerKey(rs, 'Deployment');
    return key && deployments.get(key)?.metadata.uid === controllerRef(rs)!.uid ? key : undefined;
  }

  function enqueueSelecting(rs: ReplicaSet): void {
    for (const d of deployments.list()) {
      if (d.metadata.namespace === rs.metadata.namespace && matches(selectorFromObject(d.spec.selector), rs.metadata.labels)) queue.add(cacheKey(d));
    }
  }

  deployments.on({ add: (d) => queue.add(cacheKey(d)), update: (d) => queue.add(cacheKey(d)), delete: (d) => queue.add(cacheKey(d)) });
  replicasets.on({
    add(rs) {
      const key = deploymentOf(rs);
      if (key) queue.add(key);
      else if (!controllerRef(rs)) enqueueSelecting(rs);
    },
    update(rs, old) {
      if (rs.metadata.resourceVersion === old.metadata.resourceVersion) return;
      const oldKey = deploymentOf(old);
      const key = deploymentOf(rs);
      if (oldKey && oldKey !== key) queue.add(oldKey);
      if (key) queue.add(key);
      else if (!controllerRef(rs)) enqueueSelecting(rs);
    },
    delete(rs) {
      const key = deploymentOf(rs);
      if (key) queue.add(key);
    },
  });
  pods.on({
    // Recreate waits for the old pods to be gone.
    delete(pod) {
      const rsKey = ownerKey(pod, 'ReplicaSet');
      const rs = rsKey ? replicasets.get(rsKey) : undefined;
      const key = rs ? deploymentOf(rs) : undefined;
      if (key && deployments.get(key)?.spec.strategy?.type === 'Recreate') queue.add(key);
    },
  });
  for (const d of deployments.list()) queue.add(cacheKey(d));

  return () => queue.stop();
}
