import test from 'ava';
import { hostOf, makePlan, overlayMTU, PlanError, switchOf, validateLabName, vniFor, vxlanOverhead } from '../../../src/lab/plan.js';
import { joinedDemo } from './joined-plan.js';

test('nodes get consecutive IPs after the router and one pod /24 each', (t) => {
  const plan = makePlan({ name: 'demo', nodes: 3 });
  t.deepEqual(
    plan.nodes.map((n) => [n.name, n.ip, n.podCIDR, n.netns]),
    [
      ['node1', '172.18.0.2', '10.244.1.0/24', 'svclab-demo-node1'],
      ['node2', '172.18.0.3', '10.244.2.0/24', 'svclab-demo-node2'],
      ['node3', '172.18.0.4', '10.244.3.0/24', 'svclab-demo-node3'],
    ],
  );
  t.is(plan.routerNodeIP, '172.18.0.1');
  t.is(plan.outsideIP, '203.0.113.2');
  t.is(plan.clusterDNS, '10.96.0.10');
});

test('more nodes than the address plan holds is refused with the limit', (t) => {
  t.is(makePlan({ name: 'big', nodes: 253 }).nodes.length, 253);
  const err = t.throws(() => makePlan({ name: 'big', nodes: 254 }), { instanceOf: PlanError });
  t.is(err!.message, '--nodes 254 is more than the address plan allows: at most 253 nodes fit node network 172.18.0.0/24 and pod network 10.244.0.0/16');
  t.throws(() => makePlan({ name: 'small', nodes: 6, nodeCIDR: '172.18.0.0/29' }), { message: /at most 5 nodes/ });
  t.throws(() => makePlan({ name: 'zero', nodes: 0 }), { instanceOf: PlanError });
});

test('lab names must be short DNS labels', (t) => {
  t.is(validateLabName('ci-1'), undefined);
  t.regex(validateLabName('Bad_Name')!, /^invalid lab name "Bad_Name"/);
  t.truthy(validateLabName('a'.repeat(21)));
});

test('a single-host lab has no overlay, no host on its nodes and no MTU of its own', (t) => {
  const plan = makePlan({ name: 'one', nodes: 3 });
  t.is(plan.overlay, undefined);
  t.true(plan.nodes.every((n) => n.host === undefined));
  t.deepEqual(makePlan({ name: 'one', nodes: 3, hosts: 1 }), plan);
});

test('--hosts 2: nodes round-robin over the hosts, each host on its own transit /30, one VNI, MTU 1450', (t) => {
  const plan = makePlan({ name: 'demo', nodes: 4, hosts: 2 });
  t.deepEqual(
    plan.nodes.map((n) => [n.name, n.host, switchOf(plan, n)]),
    [
      ['node1', 'host1', 'svclab-demo-switch'],
      ['node2', 'host2', 'svclab-demo-switch2'],
      ['node3', 'host1', 'svclab-demo-switch'],
      ['node4', 'host2', 'svclab-demo-switch2'],
    ],
  );
  const o = plan.overlay!;
  t.deepEqual(
    o.hosts.map((h) => [h.name, h.netns, h.ip, h.gateway]),
    [
      ['host1', 'svclab-demo-host1', '198.18.0.6', '198.18.0.5'],
      ['host2', 'svclab-demo-host2', '198.18.0.10', '198.18.0.9'],
    ],
  );
  t.is(o.transitNetns, 'svclab-demo-transit');
  t.is(o.port, 4789);
  t.is(o.mtu, 1500 - vxlanOverhead);
  t.is(o.mtu, 1450);
  t.is(o.vni, vniFor('demo'));
  // The node network itself is unchanged: same addresses and pod CIDRs as on one host.
  t.deepEqual(
    plan.nodes.map((n) => [n.ip, n.podCIDR]),
    makePlan({ name: 'demo', nodes: 4 }).nodes.map((n) => [n.ip, n.podCIDR]),
  );
});

test('3 nodes on 2 hosts: host1 gets the odd ones', (t) => {
  t.deepEqual([1, 2, 3].map((i) => hostOf(i, 2)), ['host1', 'host2', 'host1']);
  t.deepEqual([1, 2, 3, 4].map((i) => hostOf(i, 3)), ['host1', 'host2', 'host3', 'host1']);
});

test('the VNI is a stable 24-bit number per lab name, different for different labs', (t) => {
  const names = ['demo', 'demo2', 'ci-1', 'ci-2', 'a', 'b'];
  const vnis = names.map(vniFor);
  t.deepEqual(vnis, names.map(vniFor));
  t.is(new Set(vnis).size, names.length);
  for (const v of vnis) t.true(v >= 2 && v < 2 ** 24, String(v));
});

test('bad --hosts values are refused with the reason', (t) => {
  t.throws(() => makePlan({ name: 'x', nodes: 2, hosts: 0 }), { instanceOf: PlanError, message: '--hosts must be a whole number of at least 1 (got 0)' });
  t.throws(() => makePlan({ name: 'x', nodes: 2, hosts: 3 }), { message: '--hosts 3 needs at least as many nodes (--nodes 2): every host carries a node' });
  t.throws(() => makePlan({ name: 'x', nodes: 80, hosts: 64 }), { message: '--hosts 64 is more than the transit network 198.18.0.0/24 holds: at most 63 hosts' });
  t.is(makePlan({ name: 'x', nodes: 63, hosts: 63 }).overlay!.hosts.at(-1)!.ip, '198.18.0.254');
  // Docker nodes' namespaces are wired by the same topology code: their ports go on their host's switch.
  t.deepEqual(makePlan({ name: 'x', nodes: 2, hosts: 2, runtime: 'docker' }).nodes.map((n) => n.host), ['host1', 'host2']);
});

test('--listen: this machine\'s end of the overlay on the listen address (VNI of the lab, MTU 1450); not with --hosts or docker', (t) => {
  const plan = makePlan({ name: 'demo', nodes: 2, listen: '192.0.2.10:6443' });
  t.deepEqual(plan.vxlan, { local: '192.0.2.10', vni: vniFor('demo'), port: 4789, mtu: 1450, host: 'control-plane' });
  t.is(overlayMTU(plan), 1450);
  t.is(overlayMTU(makePlan({ name: 'demo', nodes: 2 })), undefined);
  t.throws(() => makePlan({ name: 'demo', nodes: 2, hosts: 2, listen: '192.0.2.10:6443' }), { message: /--listen and --hosts do not go together/ });
  t.throws(() => makePlan({ name: 'demo', nodes: 2, runtime: 'docker', listen: '192.0.2.10:6443' }), { message: /--listen needs the netns runtime/ });
});

test('a joined plan holds the allocated nodes under the local name, on the lab\'s defaults', (t) => {
  const plan = joinedDemo();
  t.deepEqual(plan.nodes, [{ name: 'node3', netns: 'svclab-local-node3', ip: '172.18.0.4', podCIDR: '10.244.3.0/24', port: 'node3' }]);
  t.deepEqual([plan.switchNetns, plan.routerNodeIP, plan.clusterDNS, plan.joined?.lab], ['svclab-local-switch', '172.18.0.1', '10.96.0.10', 'demo']);
});
