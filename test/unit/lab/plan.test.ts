import test from 'ava';
import { makePlan, PlanError, validateLabName } from '../../../src/lab/plan.js';

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
