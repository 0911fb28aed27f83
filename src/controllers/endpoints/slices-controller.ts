// The EndpointSlice controller: slices of at most 100 endpoints per port
// group, labelled kubernetes.io/service-name, owned by their Service, with
// ready/serving/terminating conditions. Existing slices are reused in place.
import { isDeepStrictEqual } from 'node:util';
import { types } from '../../api/resources.js';
import type { EndpointPort, EndpointSlice, Service, SliceEndpoint } from '../../api/types.js';
import type { ApiClient } from '../../client/client.js';
import { groupByPorts, isHeadless, portSignature, type DesiredEndpoint } from './desired.js';

export const maxEndpointsPerSlice = 100;
export const managedBy = 'endpointslice-controller.k8s.io';
export const mirrorManagedBy = 'endpointslicemirroring-controller.k8s.io';

function sliceEndpoint(d: DesiredEndpoint, publish: boolean): SliceEndpoint {
  const e: SliceEndpoint = {
    addresses: [d.ip],
    conditions: { ready: publish || d.ready, serving: d.serving, terminating: d.terminating },
    targetRef: { kind: 'Pod', namespace: d.pod.metadata.namespace, name: d.pod.metadata.name, uid: d.pod.metadata.uid },
  };
  if (d.hostname) e.hostname = d.hostname;
  if (d.nodeName) e.nodeName = d.nodeName;
  if (d.zone) e.zone = d.zone;
  return e;
}

/** A slice port as the API stores it (name defaults to "", protocol to TCP). */
export function slicePort(p: EndpointPort): EndpointPort {
  return { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
}

export interface DesiredSlice {
  ports: EndpointPort[];
  endpoints: SliceEndpoint[];
}

export function desiredSlices(svc: Service, desired: DesiredEndpoint[]): DesiredSlice[] {
  const publish = svc.spec.publishNotReadyAddresses === true;
  const out: DesiredSlice[] = [];
  for (const group of groupByPorts(desired).values()) {
    for (let i = 0; i < group.length; i += maxEndpointsPerSlice) {
      out.push({ ports: group[0]!.ports.map(slicePort), endpoints: group.slice(i, i + maxEndpointsPerSlice).map((d) => sliceEndpoint(d, publish)) });
    }
  }
  // A service with no endpoints still has one (empty) slice carrying its ports, as upstream keeps.
  if (out.length === 0) {
    const ports = (svc.spec.ports ?? []).filter((p) => typeof (p.targetPort ?? p.port) === 'number').map((p) => slicePort({ name: p.name, port: Number(p.targetPort ?? p.port), protocol: p.protocol }));
    out.push({ ports, endpoints: [] });
  }
  return out;
}

function sliceLabels(svc: Service, manager: string): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), 'kubernetes.io/service-name': svc.metadata.name!, 'endpointslice.kubernetes.io/managed-by': manager };
  if (isHeadless(svc)) labels['service.kubernetes.io/headless'] = '';
  return labels;
}

/** Where reconcileSlices reports what it wrote (kept for the next sync, indexed by service). */
export interface SliceWrites {
  remember(slice: EndpointSlice): void;
  forget(slice: EndpointSlice): void;
}

/** Makes the service's slices (those this manager owns) equal to `want`, reusing slices with the same ports first. */
export async function reconcileSlices(client: ApiClient, svc: Service, want: DesiredSlice[], current: EndpointSlice[], manager: string, written: SliceWrites): Promise<void> {
  const ns = svc.metadata.namespace!;
  const labels = sliceLabels(svc, manager);
  const free = [...current];
  const take = (ports: EndpointPort[]): EndpointSlice | undefined => {
    const sig = portSignature(ports);
    const i = free.findIndex((s) => portSignature(s.ports ?? []) === sig);
    return i >= 0 ? free.splice(i, 1)[0] : undefined;
  };
  const pending: DesiredSlice[] = [];
  for (const w of want) {
    const existing = take(w.ports);
    if (!existing) {
      pending.push(w);
      continue;
    }
    if (isDeepStrictEqual(existing.endpoints ?? [], w.endpoints) && isDeepStrictEqual(existing.ports ?? [], w.ports) && isDeepStrictEqual(existing.metadata.labels ?? {}, labels)) continue;
    written.remember(await client.update(types.endpointslices, { ...existing, metadata: { ...existing.metadata, labels }, endpoints: w.endpoints, ports: w.ports }));
  }
  for (const w of pending) {
    // Reuse a leftover slice (other ports) before creating one.
    const existing = free.shift();
    if (existing) {
      written.remember(await client.update(types.endpointslices, { ...existing, metadata: { ...existing.metadata, labels }, endpoints: w.endpoints, ports: w.ports }));
      continue;
    }
    const slice: EndpointSlice = {
      metadata: {
        generateName: `${svc.metadata.name}-`,
        namespace: ns,
        labels,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      addressType: 'IPv4',
      endpoints: w.endpoints,
      ports: w.ports,
    };
    written.remember(await client.create(types.endpointslices, slice, ns));
  }
  for (const stale of free) {
    await client.delete(types.endpointslices, stale.metadata.name!, ns).catch(() => undefined);
    written.forget(stale);
  }
}
