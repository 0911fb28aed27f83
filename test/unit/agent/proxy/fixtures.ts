// Service ports and nodes for the proxy backend tests.
import { newServicePort, type Endpoint, type NodeInfo, type ServicePort } from '../../../../src/agent/proxy/model.js';

export const node: NodeInfo = { name: 'node1', ips: ['172.18.0.2'], podCIDR: '10.244.1.0/24', clusterCIDR: '10.244.0.0/16' };

export function endpoint(ip: string, over: Partial<Endpoint> = {}): Endpoint {
  return { ip, port: 80, ready: true, serving: true, terminating: false, local: false, ...over };
}

export function servicePort(over: Partial<ServicePort> = {}): ServicePort {
  return newServicePort({ namespace: 'ns1', name: 'svc1', portName: 'p80', clusterIP: '10.96.0.41', ...over });
}

/** n services svc0..svc<n-1> with e ready endpoints each. */
export function manyServices(n: number, e: number): ServicePort[] {
  return Array.from({ length: n }, (_, i) =>
    servicePort({
      name: `svc${i}`,
      clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      endpoints: Array.from({ length: e }, (_, j) => endpoint(`10.244.${Math.floor((i * e + j) / 250) % 250}.${((i * e + j) % 250) + 1}`)),
    }),
  );
}
