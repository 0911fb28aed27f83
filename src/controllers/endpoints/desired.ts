// What a Service's endpoints are, from its selector and the pods: the pure
// core shared by the Endpoints and the EndpointSlice controllers.
import { isReady } from '../../api/conditions.js';
import { matches, selectorFromMap } from '../../api/labels.js';
import type { EndpointPort, Node, Pod, Service, ServicePort } from '../../api/types.js';

export interface DesiredEndpoint {
  pod: Pod;
  ip: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  /** This pod's ports for the service, with named targetPorts resolved. */
  ports: EndpointPort[];
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === 'None';
}

/** A named targetPort resolves to the pod's container port of that name and protocol. */
function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec.containers) {
    const p = c.ports?.find((x) => x.name === target && (x.protocol ?? 'TCP') === protocol);
    if (p) return p.containerPort;
  }
  return undefined;
}

export function desiredEndpoints(svc: Service, pods: Pod[], nodes: Map<string, Node>): DesiredEndpoint[] {
  const selector = selectorFromMap(svc.spec.selector);
  const out: DesiredEndpoint[] = [];
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !matches(selector, pod.metadata.labels)) continue;
    const ip = pod.status?.podIP;
    const phase = pod.status?.phase;
    if (!ip || phase === 'Succeeded' || phase === 'Failed') continue;
    const ports: EndpointPort[] = [];
    let missing = false;
    for (const sp of svc.spec.ports ?? []) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) {
        missing = true;
        continue;
      }
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP' });
    }
    if (missing && ports.length === 0) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const serving = isReady(pod);
    const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
    const d: DesiredEndpoint = { pod, ip, ready: serving && !terminating, serving, terminating, ports, nodeName: pod.spec.nodeName };
    if (pod.spec.hostname && pod.spec.subdomain === svc.metadata.name) d.hostname = pod.spec.hostname;
    const zone = node?.metadata.labels?.['topology.kubernetes.io/zone'];
    if (zone) d.zone = zone;
    out.push(d);
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
}

/** Endpoints sharing one port list go together (one subset, one slice group). */
export function portSignature(ports: EndpointPort[]): string {
  return JSON.stringify([...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port));
}

export function groupByPorts<T extends { ports: EndpointPort[] }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const key = portSignature(it.ports);
    groups.set(key, [...(groups.get(key) ?? []), it]);
  }
  return groups;
}
