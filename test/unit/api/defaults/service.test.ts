import test from 'ava';
import { defaultAffinityTimeoutSeconds, defaultEndpointSlice, defaultEndpoints, defaultService } from '../../../../src/api/defaults/service.js';
import type { EndpointSlice, Endpoints, Service, ServiceSpec } from '../../../../src/api/types.js';

function defaulted(spec: ServiceSpec): ServiceSpec {
  const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec };
  defaultService(svc);
  return svc.spec;
}

const selector = { app: 'web' };

test('a bare ClusterIP service gets what kubectl describe expects to see', (t) => {
  t.deepEqual(defaulted({ selector, ports: [{ port: 80 }] }), {
    selector,
    ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    type: 'ClusterIP',
    sessionAffinity: 'None',
    internalTrafficPolicy: 'Cluster',
    ipFamilyPolicy: 'SingleStack',
    ipFamilies: ['IPv4'],
  });
});

test('values the user gave are kept', (t) => {
  const spec: ServiceSpec = {
    selector,
    type: 'NodePort',
    ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns', nodePort: 30053 }],
    externalTrafficPolicy: 'Local',
    internalTrafficPolicy: 'Local',
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    ipFamilyPolicy: 'PreferDualStack',
    ipFamilies: ['IPv4'],
  };
  t.deepEqual(defaulted(structuredClone(spec)), spec);
});

test('NodePort and LoadBalancer services get externalTrafficPolicy Cluster, LoadBalancers node ports too', (t) => {
  const nodePort = defaulted({ selector, type: 'NodePort', ports: [{ port: 80 }] });
  t.is(nodePort.externalTrafficPolicy, 'Cluster');
  t.is(nodePort.allocateLoadBalancerNodePorts, undefined);
  const lb = defaulted({ selector, type: 'LoadBalancer', ports: [{ port: 80 }] });
  t.is(lb.externalTrafficPolicy, 'Cluster');
  t.is(lb.allocateLoadBalancerNodePorts, true);
  t.is(lb.internalTrafficPolicy, 'Cluster');
  t.is(defaulted({ selector, type: 'LoadBalancer', ports: [{ port: 80 }], allocateLoadBalancerNodePorts: false }).allocateLoadBalancerNodePorts, false);
});

test('a ClusterIP service gets an externalTrafficPolicy only when it has externalIPs', (t) => {
  t.false('externalTrafficPolicy' in defaulted({ selector, ports: [{ port: 80 }] }));
  t.is(defaulted({ selector, ports: [{ port: 80 }], externalIPs: ['203.0.113.10'] }).externalTrafficPolicy, 'Cluster');
});

test('ClientIP affinity gets the three-hour timeout unless one is given', (t) => {
  t.is(defaultAffinityTimeoutSeconds, 10800);
  t.deepEqual(defaulted({ selector, ports: [{ port: 80 }], sessionAffinity: 'ClientIP' }).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  t.deepEqual(defaulted({ selector, ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: {} }).sessionAffinityConfig, {
    clientIP: { timeoutSeconds: 10800 },
  });
});

test('an affinity config that comes with affinity None is dropped, as upstream does', (t) => {
  const spec = defaulted({ selector, ports: [{ port: 80 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
  t.is(spec.sessionAffinity, 'None');
  t.false('sessionAffinityConfig' in spec);
});

test('an unset or zero targetPort becomes the port, a named one stays', (t) => {
  const spec = defaulted({ selector, ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81, targetPort: 0 }, { name: 'c', port: 82, targetPort: '' }, { name: 'd', port: 83, targetPort: 'web' }] });
  t.deepEqual(
    spec.ports!.map((p) => p.targetPort),
    [80, 81, 82, 'web'],
  );
});

test('an ExternalName service gets no traffic policies and no IP family fields', (t) => {
  t.deepEqual(defaulted({ type: 'ExternalName', externalName: 'db.example.com' }), {
    type: 'ExternalName',
    externalName: 'db.example.com',
    sessionAffinity: 'None',
  });
});

test('a requested clusterIP is mirrored into clusterIPs', (t) => {
  const spec = defaulted({ selector, clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
  t.deepEqual(spec.clusterIPs, ['10.96.0.10']);
  t.deepEqual(spec.ipFamilies, ['IPv4']);
  t.deepEqual(defaulted({ selector, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80 }] }).clusterIPs, ['10.96.0.10']);
});

test('a headless service with a selector is single-stack, one without asks for both families', (t) => {
  const withSelector = defaulted({ selector, clusterIP: 'None', ports: [{ port: 80 }] });
  t.deepEqual([withSelector.clusterIPs, withSelector.ipFamilyPolicy, withSelector.ipFamilies], [['None'], 'SingleStack', ['IPv4']]);
  const selectorless = defaulted({ clusterIP: 'None', ports: [{ port: 80 }] });
  t.deepEqual([selectorless.ipFamilyPolicy, selectorless.ipFamilies], ['RequireDualStack', ['IPv4', 'IPv6']]);
  const singleStack = defaulted({ clusterIP: 'None', ports: [{ port: 80 }], ipFamilyPolicy: 'SingleStack' });
  t.deepEqual(singleStack.ipFamilies, ['IPv4']);
});

test('an IPv6 clusterIP leaves ipFamilies for validation to refuse', (t) => {
  const spec = defaulted({ selector, clusterIP: 'fd00::10', ports: [{ port: 80 }] });
  t.deepEqual(spec.clusterIPs, ['fd00::10']);
  t.false('ipFamilies' in spec);
});

test('defaulting twice changes nothing more', (t) => {
  for (const spec of [
    { selector, ports: [{ port: 80 }] },
    { selector, type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80 }], sessionAffinity: 'ClientIP' },
    { clusterIP: 'None', ports: [{ port: 80 }] },
    { type: 'ExternalName', externalName: 'db.example.com' },
  ] as ServiceSpec[]) {
    const once = defaulted(spec);
    t.deepEqual(defaulted(structuredClone(once)), once);
  }
});

test('a Service without a spec gets one', (t) => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } } as Service;
  defaultService(svc);
  t.is(svc.spec.type, 'ClusterIP');
});

test('Endpoints ports default to TCP', (t) => {
  const ep: Endpoints = {
    metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] }, { notReadyAddresses: [{ ip: '10.244.2.7' }] }],
  };
  defaultEndpoints(ep);
  t.deepEqual(ep.subsets![0]!.ports, [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }]);
  t.is(ep.subsets![1]!.ports, undefined);
});

test('EndpointSlice ports default to an empty name and TCP', (t) => {
  const s: EndpointSlice = { metadata: { name: 'web-abcde' }, addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }] };
  defaultEndpointSlice(s);
  t.deepEqual(s.ports, [{ port: 80, name: '', protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }]);
});
