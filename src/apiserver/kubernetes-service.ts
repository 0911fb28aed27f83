// The default/kubernetes Service (first IP of the service CIDR, port 443) and
// its Endpoints, kept by the API server itself like upstream's endpoint reconciler.
import { isDeepStrictEqual } from 'node:util';
import { types } from '../api/resources.js';
import type { Endpoints, EndpointSlice, Service } from '../api/types.js';
import { formatIp, parseCidr } from '../net/cidr.js';
import type { Registry } from './registry.js';

export interface Advertise {
  ip: string;
  port: number;
}

export async function ensureKubernetesService(registry: Registry, advertise: Advertise, serviceCIDR: string): Promise<void> {
  const store = registry.store;
  if (!store.get('core/services', 'default/kubernetes')) {
    const cidr = parseCidr(serviceCIDR)!;
    const svc: Service = {
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: formatIp(cidr.base + 1), ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: advertise.port }], sessionAffinity: 'None' },
    };
    await registry.create(types.services, 'default', svc);
  }
  const subsets = [{ addresses: [{ ip: advertise.ip }], ports: [{ name: 'https', port: advertise.port, protocol: 'TCP' as const }] }];
  const current = store.get('core/endpoints', 'default/kubernetes') as Endpoints | undefined;
  if (!current) {
    await registry.create(types.endpoints, 'default', { metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets });
  } else if (!isDeepStrictEqual(current.subsets, subsets)) {
    await registry.update(types.endpoints, 'default', 'kubernetes', { ...current, subsets });
  }
  const slice: EndpointSlice = {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [advertise.ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port: advertise.port, protocol: 'TCP' }],
  };
  const currentSlice = store.get('discovery.k8s.io/endpointslices', 'default/kubernetes') as EndpointSlice | undefined;
  if (!currentSlice) await registry.create(types.endpointslices, 'default', slice);
  else if (!isDeepStrictEqual([currentSlice.endpoints, currentSlice.ports], [slice.endpoints, slice.ports])) {
    await registry.update(types.endpointslices, 'default', 'kubernetes', { ...currentSlice, endpoints: slice.endpoints, ports: slice.ports });
  }
}
