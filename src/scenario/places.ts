// Places a scenario acts from: pods (through the API's exec, like kubectl exec)
// and the lab's hosts (node1.., outside, external, router: straight into their
// network namespace).
import { isReady } from '../api/conditions.js';
import type { Pod } from '../api/types.js';
import { runAt, type Where } from '../lab/run-at.js';
import type { Ctx } from './context.js';
import type { Place } from './model.js';
import { selectObjects } from './templates.js';

export { runAt, type Where };

const hosts = ['outside', 'external', 'router'];

/** The first Ready pod (by name) matching a selector, else the first running one. */
async function podBySelector(ctx: Ctx, selector: string, namespace = ctx.namespace): Promise<Pod> {
  const pods = (await selectObjects(ctx, 'pods', selector, namespace)) as Pod[];
  const pod = pods.find(isReady) ?? pods.find((p) => p.status?.phase === 'Running');
  if (!pod) throw new Error(`no running pod matches ${selector} in namespace ${namespace} (found ${pods.length})`);
  return pod;
}

/** A place with a container chosen (only pods have containers). */
export function withContainer(place: Place, container: string | undefined): Place {
  if (!container) return place;
  return typeof place === 'string' ? { pod: place.replace(/^pod\//, ''), container } : { ...place, container };
}

export async function resolvePlace(ctx: Ctx, place: Place): Promise<Where> {
  if (typeof place === 'string') {
    if (hosts.includes(place)) return { kind: 'host', host: place, label: place };
    if (place.startsWith('node/')) return { kind: 'host', host: place.slice(5), label: place };
    const name = place.replace(/^pod\//, '');
    return { kind: 'pod', namespace: ctx.namespace, name, label: `pod/${name}` };
  }
  if (place.host) return { kind: 'host', host: place.host, label: place.host };
  if (place.node) return { kind: 'host', host: place.node, label: `node/${place.node}` };
  const namespace = place.namespace ?? ctx.namespace;
  const name = place.pod ?? (await podBySelector(ctx, place.selector ?? '', namespace)).metadata.name!;
  const ns = namespace === 'default' ? '' : `${namespace}/`;
  return { kind: 'pod', namespace, name, container: place.container, label: `pod/${ns}${name}${place.selector ? ` (${place.selector})` : ''}` };
}
