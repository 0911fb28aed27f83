// The Endpoints controller: one Endpoints object per Service with a selector,
// ready pods in addresses, unready ones in notReadyAddresses, grouped by ports.
import { isDeepStrictEqual } from 'node:util';
import { types } from '../../api/resources.js';
import type { EndpointAddress, Endpoints, EndpointSubset, Service } from '../../api/types.js';
import { timestamp } from '../../api/types.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import type { DesiredEndpoint } from './desired.js';
import { groupByPorts, isHeadless } from './desired.js';

function address(d: DesiredEndpoint): EndpointAddress {
  const a: EndpointAddress = { ip: d.ip };
  if (d.hostname) a.hostname = d.hostname;
  if (d.nodeName) a.nodeName = d.nodeName;
  a.targetRef = { kind: 'Pod', namespace: d.pod.metadata.namespace, name: d.pod.metadata.name, uid: d.pod.metadata.uid };
  return a;
}

function subsetsFor(svc: Service, desired: DesiredEndpoint[]): EndpointSubset[] {
  const publish = svc.spec.publishNotReadyAddresses === true;
  // Terminating pods leave Endpoints at once unless the service publishes not-ready addresses.
  const visible = desired.filter((d) => publish || !d.terminating);
  const subsets: EndpointSubset[] = [];
  for (const group of groupByPorts(visible).values()) {
    const ready = group.filter((d) => publish || d.ready).map(address);
    const notReady = group.filter((d) => !publish && !d.ready).map(address);
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (group[0]!.ports.length) subset.ports = group[0]!.ports;
    subsets.push(subset);
  }
  return subsets;
}

function endpointsLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels['service.kubernetes.io/headless'] = '';
  return labels;
}

export async function syncEndpoints(client: ApiClient, svc: Service, desired: DesiredEndpoint[], current: Endpoints | undefined): Promise<Endpoints | undefined> {
  const ns = svc.metadata.namespace!;
  const name = svc.metadata.name!;
  const subsets = subsetsFor(svc, desired);
  const labels = endpointsLabels(svc);
  if (current && isDeepStrictEqual(current.subsets ?? [], subsets) && isDeepStrictEqual(current.metadata.labels ?? {}, labels)) return undefined;
  const obj: Endpoints = {
    metadata: { name, namespace: ns, labels, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': timestamp() } },
    subsets,
  };
  if (!current) return client.create<Endpoints>(types.endpoints, obj, ns);
  try {
    return await client.update<Endpoints>(types.endpoints, { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return client.create<Endpoints>(types.endpoints, obj, ns);
  }
}
