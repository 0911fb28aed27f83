// `kubectl get services|endpoints|endpointslices`.
import type { EndpointSlice, Endpoints, Service } from '../../api/types.js';
import { since } from './age.js';
import { capped, formatLabels } from './format.js';
import type { Printer } from './table.js';

const loadBalancerWidth = 16;

function externalIP(svc: Service, wide: boolean): string {
  const external = svc.spec.externalIPs ?? [];
  switch (svc.spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))].sort();
      let lb = ingress.join(',');
      if (!wide && lb.length > loadBalancerWidth) lb = `${lb.slice(0, loadBalancerWidth - 3)}...`;
      if (external.length > 0) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec.externalName ?? '';
  }
  return '<unknown>';
}

/** "80/TCP", "80:31000/TCP", comma-joined. */
function portsCell(svc: Service): string {
  const ports = (svc.spec.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`));
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export const servicePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Type', type: 'string' },
    { name: 'Cluster-IP', type: 'string' },
    { name: 'External-IP', type: 'string' },
    { name: 'Port(s)', type: 'string' },
    { name: 'Age', type: 'string' },
    { name: 'Selector', type: 'string', priority: 1 },
  ],
  cells(obj, now) {
    const svc = obj as Service;
    // The server always renders the wide form, as upstream's table convertor does.
    return [
      svc.metadata.name!,
      svc.spec.type ?? '',
      svc.spec.clusterIPs?.[0] || svc.spec.clusterIP || '<none>',
      externalIP(svc, true),
      portsCell(svc),
      since(svc.metadata.creationTimestamp, now),
      formatLabels(svc.spec.selector),
    ];
  },
};

const joinHostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** Ready addresses as IP:port for every port of every subset, "+ N more..." past three. */
function endpointsCell(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const items: string[] = [];
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) items.push(...addresses.map((a) => a.ip));
    else for (const p of ss.ports) items.push(...addresses.map((a) => joinHostPort(a.ip, p.port)));
  }
  return capped(items, 3, '');
}

export const endpointsPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Endpoints', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    return [obj.metadata.name!, endpointsCell(obj as Endpoints), since(obj.metadata.creationTimestamp, now)];
  },
};

export const endpointSlicePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'AddressType', type: 'string' },
    { name: 'Ports', type: 'string' },
    { name: 'Endpoints', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const slice = obj as EndpointSlice;
    const ports = (slice.ports ?? []).map((p) => (p.port != null ? String(p.port) : p.name ?? '*'));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [slice.metadata.name!, slice.addressType ?? '', capped(ports, 3, '<unset>'), capped(addresses, 3, '<unset>'), since(slice.metadata.creationTimestamp, now)];
  },
};
