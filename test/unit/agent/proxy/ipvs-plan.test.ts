import test from 'ava';
import { planService, virtualServerKey } from '../../../../src/agent/proxy/ipvs/plan.js';
import { noneTouched, type WantedState } from '../../../../src/agent/proxy/ipvs/wanted.js';
import { serviceKey } from '../../../../src/agent/proxy/model.js';
import { endpoint, node, servicePort } from './fixtures.js';
import { wantedFor as planIpvs } from './ipvs-fixtures.js';

const members = (plan: WantedState, set: string): string[] => [...(plan.members().get(set) ?? [])].sort();
const reals = (plan: WantedState, key: string): string[] => [...(plan.virtualServers.get(key)?.reals.values() ?? [])].map((r) => `${r.ip}:${r.port} w${r.weight}`).sort();

test('a cluster IP gets one round-robin virtual server with one weight-1 real server per ready endpoint, bound to kube-ipvs0', (t) => {
  const sp = servicePort({ endpoints: [endpoint('10.244.1.10'), endpoint('10.244.2.10'), endpoint('10.244.2.11', { ready: false, serving: false })] });
  const plan = planIpvs([sp], node, 'rr');
  t.deepEqual([...plan.virtualServers.keys()], ['TCP 10.96.0.41:80']);
  t.like(plan.virtualServers.get('TCP 10.96.0.41:80'), { scheduler: 'rr', persistence: undefined });
  t.deepEqual(reals(plan, 'TCP 10.96.0.41:80'), ['10.244.1.10:80 w1', '10.244.2.10:80 w1']);
  t.deepEqual([...plan.addresses()], ['10.96.0.41']);
  t.deepEqual(members(plan, 'KUBE-CLUSTER-IP'), ['10.96.0.41,tcp:80']);
  t.deepEqual(members(plan, 'KUBE-IPVS-IPS'), ['10.96.0.41']);
  t.deepEqual(members(plan, 'KUBE-LOOP-BACK'), ['10.244.1.10,tcp:80,10.244.1.10', '10.244.2.10,tcp:80,10.244.2.10']);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-TCP'), []);
});

test('a service without endpoints keeps its virtual server, with no real server, so connections are refused', (t) => {
  const plan = planIpvs([servicePort({ name: 'empty' })], node, 'rr');
  t.deepEqual(reals(plan, 'TCP 10.96.0.41:80'), []);
  t.true(plan.addresses().has('10.96.0.41'));
});

test('NodePort, external and LoadBalancer IPs each get a virtual server; the node IP is not bound to kube-ipvs0', (t) => {
  const sp = servicePort({ nodePort: 30080, externalIPs: ['192.0.2.42'], loadBalancerIPs: ['203.0.113.200'], endpoints: [endpoint('10.244.1.10')] });
  const plan = planIpvs([sp], { ...node, ips: ['172.18.0.2', '172.18.1.2'] }, 'rr');
  t.deepEqual([...plan.virtualServers.keys()].sort(), ['TCP 10.96.0.41:80', 'TCP 172.18.0.2:30080', 'TCP 172.18.1.2:30080', 'TCP 192.0.2.42:80', 'TCP 203.0.113.200:80']);
  for (const key of plan.virtualServers.keys()) t.deepEqual(reals(plan, key), ['10.244.1.10:80 w1'], key);
  t.deepEqual([...plan.addresses()].sort(), ['10.96.0.41', '192.0.2.42', '203.0.113.200']);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-TCP'), ['30080']);
  t.deepEqual(members(plan, 'KUBE-EXTERNAL-IP'), ['192.0.2.42,tcp:80']);
  t.deepEqual(members(plan, 'KUBE-LOAD-BALANCER'), ['203.0.113.200,tcp:80']);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-LOCAL-TCP'), []);
  t.deepEqual(members(plan, 'KUBE-LOAD-BALANCER-LOCAL'), []);
});

test('externalTrafficPolicy Local: external virtual servers get node-local endpoints only, the cluster IP all; the Local sets skip masquerading', (t) => {
  const sp = servicePort({
    nodePort: 30081,
    loadBalancerIPs: ['203.0.113.201'],
    externalIPs: ['192.0.2.42'],
    externalPolicyLocal: true,
    endpoints: [endpoint('10.244.1.10', { local: true }), endpoint('10.244.2.10')],
  });
  const plan = planIpvs([sp], node, 'rr');
  t.deepEqual(reals(plan, 'TCP 10.96.0.41:80'), ['10.244.1.10:80 w1', '10.244.2.10:80 w1']);
  for (const key of ['TCP 172.18.0.2:30081', 'TCP 203.0.113.201:80', 'TCP 192.0.2.42:80']) t.deepEqual(reals(plan, key), ['10.244.1.10:80 w1'], key);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-LOCAL-TCP'), ['30081']);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-TCP'), ['30081']);
  t.deepEqual(members(plan, 'KUBE-LOAD-BALANCER-LOCAL'), ['203.0.113.201,tcp:80']);
  t.deepEqual(members(plan, 'KUBE-EXTERNAL-IP-LOCAL'), ['192.0.2.42,tcp:80']);
  t.deepEqual(members(plan, 'KUBE-EXTERNAL-IP'), []);

  const none = planIpvs([{ ...sp, endpoints: [endpoint('10.244.2.10')] }], node, 'rr');
  t.deepEqual(reals(none, 'TCP 172.18.0.2:30081'), [], 'no local endpoint: the NodePort refuses');
});

test('internalTrafficPolicy Local limits the cluster IP to node-local endpoints', (t) => {
  const plan = planIpvs([servicePort({ internalPolicyLocal: true, endpoints: [endpoint('10.244.1.10', { local: true }), endpoint('10.244.2.10')] })], node, 'rr');
  t.deepEqual(reals(plan, 'TCP 10.96.0.41:80'), ['10.244.1.10:80 w1']);
});

test('ClientIP affinity is persistence with the service timeout; the per-service scheduler wins over the lab default, an unknown one is reported', (t) => {
  const plan = planIpvs(
    [
      servicePort({ name: 'sticky', clusterIP: '10.96.0.1', sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 30 }),
      servicePort({ name: 'hashed', clusterIP: '10.96.0.2', scheduler: 'sh' }),
      servicePort({ name: 'typo', clusterIP: '10.96.0.3', scheduler: 'roundrobin' }),
    ],
    node,
    'lc',
  );
  t.like(plan.virtualServers.get(virtualServerKey('TCP', '10.96.0.1', 80)), { scheduler: 'lc', persistence: 30 });
  t.like(plan.virtualServers.get(virtualServerKey('TCP', '10.96.0.2', 80)), { scheduler: 'sh', persistence: undefined });
  t.like(plan.virtualServers.get(virtualServerKey('TCP', '10.96.0.3', 80)), { scheduler: 'lc' });
  t.is(planService(servicePort({ name: 'typo', scheduler: 'roundrobin' }), node, 'lc')!.badScheduler, 'ns1/typo: roundrobin');
});

test('UDP and SCTP ports: protocol in set entries, SCTP NodePorts in the hash set with the node IP', (t) => {
  const plan = planIpvs(
    [
      servicePort({ name: 'dns', clusterIP: '10.96.0.10', port: 53, protocol: 'UDP', nodePort: 30053, endpoints: [endpoint('10.244.1.5', { port: 53 })] }),
      servicePort({ name: 'sctp', clusterIP: '10.96.0.11', port: 9, protocol: 'SCTP', nodePort: 30009 }),
    ],
    node,
    'rr',
  );
  t.true(plan.virtualServers.has('UDP 10.96.0.10:53'));
  t.true(plan.virtualServers.has('SCTP 172.18.0.2:30009'));
  t.deepEqual(members(plan, 'KUBE-CLUSTER-IP'), ['10.96.0.10,udp:53', '10.96.0.11,sctp:9']);
  t.deepEqual(members(plan, 'KUBE-LOOP-BACK'), ['10.244.1.5,udp:53,10.244.1.5']);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-UDP'), ['30053']);
  t.deepEqual(members(plan, 'KUBE-NODE-PORT-SCTP-HASH'), ['172.18.0.2,sctp:30009']);
});

test('loadBalancerSourceRanges fill the firewall sets; a range holding a node IP also allows the LB IP itself as source', (t) => {
  const sp = servicePort({ loadBalancerIPs: ['203.0.113.202'], loadBalancerSourceRanges: ['203.0.113.0/24', '172.18.0.0/24', '198.51.100.7/32'] });
  const plan = planIpvs([sp], node, 'rr');
  t.deepEqual(members(plan, 'KUBE-LOAD-BALANCER-FW'), ['203.0.113.202,tcp:80']);
  t.deepEqual(members(plan, 'KUBE-LOAD-BALANCER-SOURCE-CIDR'), ['203.0.113.202,tcp:80,172.18.0.0/24', '203.0.113.202,tcp:80,198.51.100.7', '203.0.113.202,tcp:80,203.0.113.0/24']);
  t.deepEqual(members(plan, 'KUBE-LOAD-BALANCER-SOURCE-IP'), ['203.0.113.202,tcp:80,203.0.113.202']);
});

test('headless services get nothing', (t) => {
  const plan = planIpvs([servicePort({ clusterIP: 'None', endpoints: [endpoint('10.244.1.10')] })], node, 'rr');
  t.is(plan.virtualServers.size, 0);
  t.is(plan.addresses().size, 0);
});

test('a partial replacement touches only its service port; members two ports share stay until both are gone', (t) => {
  const a = servicePort({ name: 'a', clusterIP: '10.96.0.1', nodePort: 30001, endpoints: [endpoint('10.244.1.10')] });
  const b = servicePort({ name: 'b', clusterIP: '10.96.0.2', endpoints: [endpoint('10.244.1.10')] });
  const wanted = planIpvs([a, b], node);
  const touched = noneTouched();
  wanted.replace(serviceKey(a), undefined, touched);
  t.deepEqual([...touched.virtualServers].sort(), ['TCP 10.96.0.1:80', 'TCP 172.18.0.2:30001']);
  t.deepEqual([...wanted.virtualServers.keys()], ['TCP 10.96.0.2:80']);
  const views = wanted.touchedViews(touched);
  t.deepEqual(views.addresses, [new Set(), new Set(['10.96.0.1'])], 'after, before');
  t.deepEqual(views.members[0].get('KUBE-LOOP-BACK'), new Set(['10.244.1.10,tcp:80,10.244.1.10']), 'b still uses the hairpin entry');
  t.deepEqual(views.members[0].get('KUBE-NODE-PORT-TCP'), new Set());
  t.deepEqual(views.members[1].get('KUBE-NODE-PORT-TCP'), new Set(['30001']));
  t.false(wanted.nonEmptySets().has('KUBE-NODE-PORT-TCP'));
});
