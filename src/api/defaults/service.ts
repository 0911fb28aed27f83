// Server-side defaults for Services, Endpoints and EndpointSlices: SetDefaults_Service and
// SetDefaults_Endpoints (pkg/apis/core/v1/defaults.go), SetDefaults_EndpointPort (discovery/v1),
// plus what the Service REST storage fills in before validation on a create: clusterIPs from
// clusterIP (normalizeClusterIPs) and the IP family fields (initIPFamilyFields) of a single-stack
// IPv4 cluster. Everything mutates in place and leaves values the user gave alone.
import type { EndpointSlice, Endpoints, Service, ServicePort, ServiceSpec } from '../types.js';
import { ipFamilyOf, type IpFamily } from '../validation/endpoints.js';
import { externallyAccessible, isHeadlessSelectorless } from '../validation/service.js';

export const defaultAffinityTimeoutSeconds = 10800;

function defaultAffinity(spec: ServiceSpec): void {
  spec.sessionAffinity ||= 'None';
  // Upstream silently drops a config that comes with affinity None.
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds == null) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: defaultAffinityTimeoutSeconds } };
  }
}

function defaultPort(port: ServicePort): void {
  port.protocol ||= 'TCP';
  if (!port.targetPort) port.targetPort = port.port;
}

/** The families of the given clusterIPs, or undefined when one is of a family this cluster lacks (validation says so). */
function inferFamilies(families: IpFamily[], clusterIPs: string[]): IpFamily[] | undefined {
  const result = [...families];
  for (const [i, ip] of clusterIPs.entries()) {
    if (ip === 'None') break;
    if (i < result.length) continue;
    if (ipFamilyOf(ip) !== 'IPv4') return undefined;
    result.push('IPv4');
  }
  return result;
}

function defaultIpFamilies(spec: ServiceSpec): void {
  const headlessSelectorless = isHeadlessSelectorless(spec);
  // Headless services without a selector ask for both families, even on a single-stack cluster.
  spec.ipFamilyPolicy ??= headlessSelectorless ? 'RequireDualStack' : 'SingleStack';
  const families = inferFamilies(spec.ipFamilies ?? [], spec.clusterIPs ?? []);
  if (!families) return;
  if (families.length === 0) families.push('IPv4');
  if (headlessSelectorless && families.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  }
  spec.ipFamilies = families;
}

/** SetDefaults_Service plus the clusterIPs and IP family fill-in of a create. */
export function defaultService(svc: Service): void {
  const spec = (svc.spec ??= {});
  defaultAffinity(spec);
  spec.type ||= 'ClusterIP';
  for (const port of spec.ports ?? []) defaultPort(port);
  if (externallyAccessible(spec)) spec.externalTrafficPolicy ||= 'Cluster';
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.internalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (spec.type !== 'ExternalName') defaultIpFamilies(spec);
}

/** SetDefaults_Endpoints. */
export function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const port of subset.ports ?? []) port.protocol ||= 'TCP';
}

/** SetDefaults_EndpointPort (discovery/v1): ports get a name ("" when unnamed) and TCP. */
export function defaultEndpointSlice(slice: EndpointSlice): void {
  for (const port of slice.ports ?? []) {
    port.name ??= '';
    port.protocol ??= 'TCP';
  }
}
