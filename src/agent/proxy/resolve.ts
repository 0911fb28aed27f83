// Services + EndpointSlices + this node -> the ServicePorts a backend programs
// (kube-proxy's serviceChangeTracker/endpointsChangeTracker inputs, resolved).
import type { EndpointSlice, Service } from '../../api/types.js';
import { type Endpoint, type L4Protocol, type ServicePort } from './model.js';

const headlessLabel = 'service.kubernetes.io/headless';
const proxyNameLabel = 'service.kubernetes.io/service-proxy-name';
/** The label that ties an EndpointSlice to its Service. */
export const serviceNameLabel = 'kubernetes.io/service-name';

/** Proxied: has a cluster IP, is not ExternalName, and no label opts it out of kube-proxy. */
export function isProxied(svc: Service): boolean {
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None' || svc.spec.type === 'ExternalName') return false;
  const labels = svc.metadata.labels ?? {};
  return !(headlessLabel in labels) && !(proxyNameLabel in labels);
}

function endpointsFor(portName: string, protocol: L4Protocol, slices: EndpointSlice[], nodeName: string): Endpoint[] {
  const out = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = slice.ports?.find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port) continue;
    for (const e of slice.endpoints) {
      const ip = e.addresses[0];
      if (!ip) continue;
      const ready = e.conditions?.ready !== false;
      const ep: Endpoint = {
        ip,
        port: port.port,
        ready,
        serving: e.conditions?.serving ?? ready,
        terminating: e.conditions?.terminating ?? false,
        local: e.nodeName === nodeName,
      };
      if (e.nodeName) ep.nodeName = e.nodeName;
      if (e.zone) ep.zone = e.zone;
      out.set(`${ip}:${port.port}`, ep);
    }
  }
  return [...out.values()].sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }) || a.port - b.port);
}

export function servicePorts(svc: Service, slices: EndpointSlice[], nodeName: string): ServicePort[] {
  if (!isProxied(svc)) return [];
  const spec = svc.spec;
  const lbIPs = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);
  return (spec.ports ?? []).map((p) => {
    const protocol = (p.protocol ?? 'TCP') as L4Protocol;
    const portName = p.name ?? '';
    const sp: ServicePort = {
      namespace: svc.metadata.namespace!,
      name: svc.metadata.name!,
      portName,
      protocol,
      clusterIP: spec.clusterIP!,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      externalIPs: spec.externalIPs ?? [],
      loadBalancerIPs: spec.type === 'LoadBalancer' ? lbIPs : [],
      loadBalancerSourceRanges: spec.loadBalancerSourceRanges ?? [],
      sessionAffinity: spec.sessionAffinity ?? 'None',
      stickyMaxAgeSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800,
      externalPolicyLocal: spec.externalTrafficPolicy === 'Local' && (spec.type === 'NodePort' || spec.type === 'LoadBalancer'),
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      endpoints: endpointsFor(portName, protocol, slices, nodeName),
    };
    const scheduler = svc.metadata.annotations?.['svclab.io/ipvs-scheduler'];
    if (scheduler) sp.scheduler = scheduler;
    return sp;
  });
}
