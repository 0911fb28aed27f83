// Runs the Endpoints, EndpointSlice and mirroring controllers off shared
// informers, one queued sync per Service (coalesced, retried with back-off).
import { matches, selectorFromMap } from '../../api/labels.js';
import { types } from '../../api/resources.js';
import type { Endpoints, EndpointSlice, Node, Pod, Service } from '../../api/types.js';
import type { ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { desiredEndpoints } from './desired.js';
import { syncEndpoints } from './endpoints-controller.js';
import { mirroredSlices } from './mirroring.js';
import { desiredSlices, managedBy, mirrorManagedBy, reconcileSlices } from './slices-controller.js';
import { WrittenCache } from './written.js';

export interface EndpointInformers {
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
  slices: Informer<EndpointSlice>;
  nodes: Informer<Node>;
}

const hasSelector = (svc: Service): boolean => Object.keys(svc.spec.selector ?? {}).length > 0;

export function startEndpointControllers(client: ApiClient, inf: EndpointInformers, opts: { delayMs?: number } = {}): () => void {
  const delay = opts.delayMs ?? 5;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const failures = new Map<string, number>();
  let stopped = false;
  const writtenSlices = new WrittenCache<EndpointSlice>();
  const writtenEndpoints = new WrittenCache<Endpoints>();

  // Slices by "ns/service": a sync looks at its own service's slices only (a scan of all is O(n) per sync).
  const byService = new Map<string, Set<string>>();
  const serviceOf = (sl: EndpointSlice): string | undefined => {
    const svc = sl.metadata.labels?.['kubernetes.io/service-name'];
    return svc ? `${sl.metadata.namespace}/${svc}` : undefined;
  };
  const index = (sl: EndpointSlice): void => {
    const svc = serviceOf(sl);
    if (!svc) return;
    const set = byService.get(svc) ?? new Set<string>();
    set.add(`${sl.metadata.namespace}/${sl.metadata.name}`);
    byService.set(svc, set);
  };
  const unindex = (sl: EndpointSlice): void => {
    const svc = serviceOf(sl);
    if (svc) byService.get(svc)?.delete(`${sl.metadata.namespace}/${sl.metadata.name}`);
  };
  const slicesOf = (ns: string, name: string, manager: string): EndpointSlice[] => {
    const out: EndpointSlice[] = [];
    for (const k of byService.get(`${ns}/${name}`) ?? []) {
      const sl = writtenSlices.get(k, inf.slices.get(k));
      if (sl && serviceOf(sl) === `${ns}/${name}` && sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === manager) out.push(sl);
    }
    return out;
  };
  const writes = {
    remember: (sl: EndpointSlice): void => {
      writtenSlices.remember(sl);
      index(sl);
    },
    forget: (sl: EndpointSlice): void => writtenSlices.forget(sl),
  };

  const sync = async (key: string): Promise<void> => {
    const [ns, name] = key.split('/') as [string, string];
    const svc = inf.services.get(key);
    const ep = writtenEndpoints.fresher(inf.endpoints.get(key));
    if (!svc) {
      // Service gone: its slices and controller-made Endpoints go too.
      for (const s of [...slicesOf(ns, name, managedBy), ...slicesOf(ns, name, mirrorManagedBy)]) await client.delete(types.endpointslices, s.metadata.name!, ns).catch(() => undefined);
      if (ep && ep.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']) {
        await client.delete(types.endpoints, name, ns).catch(() => undefined);
        writtenEndpoints.forget(ep);
      }
      return;
    }
    if (svc.spec.type === 'ExternalName') {
      await reconcileSlices(client, svc, [], [...slicesOf(ns, name, managedBy), ...slicesOf(ns, name, mirrorManagedBy)], managedBy, writes);
      return;
    }
    if (!hasSelector(svc)) {
      const mirror = ep && ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'] !== 'true';
      await reconcileSlices(client, svc, mirror ? mirroredSlices(svc, ep) : [], slicesOf(ns, name, mirrorManagedBy), mirrorManagedBy, writes);
      return;
    }
    const nodes = new Map(inf.nodes.list().map((n) => [n.metadata.name!, n]));
    const desired = desiredEndpoints(svc, inf.pods.list(), nodes);
    const written = await syncEndpoints(client, svc, desired, ep);
    if (written) writtenEndpoints.remember(written);
    await reconcileSlices(client, svc, desiredSlices(svc, desired), slicesOf(ns, name, managedBy), managedBy, writes);
  };

  const enqueue = (key: string, after = delay): void => {
    if (stopped || timers.has(key)) return;
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        const previous = running.get(key) ?? Promise.resolve();
        const next = previous.then(() => sync(key)).then(
          () => void failures.delete(key),
          (e) => {
            const n = (failures.get(key) ?? 0) + 1;
            failures.set(key, n);
            console.error(`endpoints: ${key}: ${(e as Error).message}`);
            enqueue(key, Math.min(50 * 2 ** n, 5000));
          },
        );
        running.set(key, next);
        void next.finally(() => running.get(key) === next && running.delete(key));
      }, after),
    );
  };

  const keyOf = (o: { metadata: { namespace?: string; name?: string } }): string => `${o.metadata.namespace}/${o.metadata.name}`;
  const podServices = (pod: Pod | undefined): string[] =>
    pod ? inf.services.list().filter((s) => s.metadata.namespace === pod.metadata.namespace && hasSelector(s) && matches(selectorFromMap(s.spec.selector), pod.metadata.labels)).map(keyOf) : [];
  const onPod = (pod: Pod, old?: Pod): void => {
    for (const k of new Set([...podServices(pod), ...podServices(old)])) enqueue(k);
  };

  inf.services.on({ add: (s) => enqueue(keyOf(s)), update: (s) => enqueue(keyOf(s)), delete: (s) => enqueue(keyOf(s)) });
  inf.pods.on({ add: (p) => onPod(p), update: (p, old) => onPod(p, old), delete: (p) => onPod(p) });
  inf.endpoints.on({
    add: (e) => (writtenEndpoints.caughtUp(e), enqueue(keyOf(e))),
    update: (e) => (writtenEndpoints.caughtUp(e), enqueue(keyOf(e))),
    delete: (e) => (writtenEndpoints.gone(e), enqueue(keyOf(e))),
  });
  for (const sl of inf.slices.list()) index(sl);
  inf.slices.on({
    add: (s) => (writtenSlices.caughtUp(s), index(s)),
    update: (s, old) => (writtenSlices.caughtUp(s), unindex(old), index(s)),
    delete: (s) => {
      writtenSlices.gone(s);
      unindex(s);
      const svc = s.metadata.labels?.['kubernetes.io/service-name'];
      if (svc) enqueue(`${s.metadata.namespace}/${svc}`);
    },
  });
  // Only a node's zone is copied into slices; heartbeats must not resync every service.
  const zone = (n: Node): string | undefined => n.metadata.labels?.['topology.kubernetes.io/zone'];
  inf.nodes.on({ update: (n, old) => zone(n) !== zone(old) && inf.services.list().forEach((s) => enqueue(keyOf(s))) });
  for (const s of inf.services.list()) enqueue(keyOf(s));
  return () => {
    stopped = true;
    for (const t of timers.values()) clearTimeout(t);
  };
}
