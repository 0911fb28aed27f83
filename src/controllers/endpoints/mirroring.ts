// EndpointSlice mirroring: a Service without a selector gets slices that
// mirror its hand-made Endpoints (what kube-proxy and DNS read).
import type { Endpoints, EndpointSubset, Service, SliceEndpoint } from '../../api/types.js';
import type { DesiredSlice } from './slices-controller.js';
import { maxEndpointsPerSlice, slicePort } from './slices-controller.js';

function endpointsOf(subset: EndpointSubset): SliceEndpoint[] {
  const make = (ready: boolean) => (a: NonNullable<EndpointSubset['addresses']>[number]): SliceEndpoint => {
    const e: SliceEndpoint = { addresses: [a.ip], conditions: { ready, serving: ready, terminating: false } };
    if (a.hostname) e.hostname = a.hostname;
    if (a.nodeName) e.nodeName = a.nodeName;
    if (a.targetRef) e.targetRef = a.targetRef;
    return e;
  };
  return [...(subset.addresses ?? []).map(make(true)), ...(subset.notReadyAddresses ?? []).map(make(false))];
}

export function mirroredSlices(_svc: Service, ep: Endpoints | undefined): DesiredSlice[] {
  const out: DesiredSlice[] = [];
  for (const subset of ep?.subsets ?? []) {
    const endpoints = endpointsOf(subset);
    const ports = (subset.ports ?? []).map(slicePort);
    for (let i = 0; i < endpoints.length; i += maxEndpointsPerSlice) out.push({ ports, endpoints: endpoints.slice(i, i + maxEndpointsPerSlice) });
  }
  return out;
}
