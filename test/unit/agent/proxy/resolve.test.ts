import test from 'ava';
import { isProxied, servicePorts } from '../../../../src/agent/proxy/resolve.js';
import type { EndpointSlice, Service } from '../../../../src/api/types.js';

const service = (spec: Partial<Service['spec']> = {}, labels: Record<string, string> = {}): Service =>
  ({
    metadata: { name: 'web', namespace: 'ns1', labels },
    spec: { clusterIP: '10.96.0.41', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  }) as Service;

const slice = (name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: 'http', port: 8080, protocol: 'TCP' }]): EndpointSlice =>
  ({ metadata: { name, namespace: 'ns1', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', ports, endpoints }) as EndpointSlice;

test('headless, ExternalName and opted-out services (headless or service-proxy-name label) are not proxied', (t) => {
  t.true(isProxied(service()));
  t.false(isProxied(service({ clusterIP: 'None' })));
  t.false(isProxied(service({ type: 'ExternalName', externalName: 'example.com' })));
  t.false(isProxied(service({}, { 'service.kubernetes.io/headless': '' })));
  t.false(isProxied(service({}, { 'service.kubernetes.io/service-proxy-name': 'other-proxy' })));
  t.deepEqual(servicePorts(service({ clusterIP: 'None' }), [], 'node1'), []);
});

test('one service port per port, with the endpoints of the slice port of the same name and protocol', (t) => {
  const svc = service({
    ports: [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ],
  });
  const sl = slice('web-a', [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node1' }], [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'dns', port: 5353, protocol: 'UDP' },
  ]);
  const [http, dns] = servicePorts(svc, [sl], 'node1');
  t.like(http, { namespace: 'ns1', name: 'web', portName: 'http', protocol: 'TCP', clusterIP: '10.96.0.41', port: 80 });
  t.deepEqual(http!.endpoints.map((e) => `${e.ip}:${e.port}`), ['10.244.1.5:8080']);
  t.like(dns, { portName: 'dns', protocol: 'UDP', port: 53 });
  t.deepEqual(dns!.endpoints.map((e) => `${e.ip}:${e.port}`), ['10.244.1.5:5353'], 'the slice port number, not the service port');
});

test('endpoint conditions: ready, serving and terminating as the slice says (missing ready = ready); local by node name', (t) => {
  const sl = slice('web-a', [
    { addresses: ['10.244.1.5'], nodeName: 'node1' },
    { addresses: ['10.244.2.6'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node2', zone: 'z2' },
    { addresses: ['10.244.2.7'], conditions: { ready: false }, nodeName: 'node2' },
  ]);
  const [sp] = servicePorts(service(), [sl], 'node1');
  t.deepEqual(
    sp!.endpoints.map((e) => [e.ip, e.ready, e.serving, e.terminating, e.local, e.zone ?? '']),
    [
      ['10.244.1.5', true, true, false, true, ''],
      ['10.244.2.6', false, true, true, false, 'z2'],
      ['10.244.2.7', false, false, false, false, ''],
    ],
  );
});

test('endpoints of several slices are merged, deduplicated and sorted by address numerically', (t) => {
  const a = slice('web-a', [{ addresses: ['10.244.1.10'] }, { addresses: ['10.244.1.9'] }]);
  const b = slice('web-b', [{ addresses: ['10.244.1.9'] }, { addresses: ['10.244.0.200'] }]);
  const ipv6 = { ...slice('web-c', [{ addresses: ['fd00::1'] }]), addressType: 'IPv6' } as EndpointSlice;
  const [sp] = servicePorts(service(), [a, b, ipv6], 'node1');
  t.deepEqual(sp!.endpoints.map((e) => e.ip), ['10.244.0.200', '10.244.1.9', '10.244.1.10']);
});

test('LoadBalancer IPs only for type LoadBalancer; traffic policies, affinity timeout and the IPVS scheduler annotation', (t) => {
  const status = { loadBalancer: { ingress: [{ ip: '203.0.113.200' }] } };
  const lb = { ...service({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }), status } as Service;
  lb.metadata.annotations = { 'svclab.io/ipvs-scheduler': 'sh' };
  const [sp] = servicePorts(lb, [], 'node1');
  t.deepEqual(sp!.loadBalancerIPs, ['203.0.113.200']);
  t.like(sp, { externalPolicyLocal: true, internalPolicyLocal: true, sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 60, scheduler: 'sh' });
  const cluster = { ...service({ externalTrafficPolicy: 'Local' }), status } as Service;
  const [c] = servicePorts(cluster, [], 'node1');
  t.deepEqual(c!.loadBalancerIPs, [], 'a ClusterIP service does not use a stale LB status');
  t.false(c!.externalPolicyLocal, 'externalTrafficPolicy only applies to externally reachable types');
  t.is(c!.stickyMaxAgeSeconds, 10800, "kube-proxy's default affinity timeout");
});
