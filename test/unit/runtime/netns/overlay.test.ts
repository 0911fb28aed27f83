import test from 'ava';
import { makePlan } from '../../../../src/lab/plan.js';
import { floodEntries, overlayNamespaces } from '../../../../src/runtime/netns/overlay.js';

test('each switch floods to every other host, on the hosts\' transit addresses', (t) => {
  const o = makePlan({ name: 'demo', nodes: 3, hosts: 3 }).overlay!;
  t.deepEqual(floodEntries(o, 'host2'), ['fdb append 00:00:00:00:00:00 dev vxlan0 dst 198.18.0.6', 'fdb append 00:00:00:00:00:00 dev vxlan0 dst 198.18.0.14']);
  t.is(floodEntries(o, 'host1').length, 2);
});

test('a multi-host lab adds the transit router, one namespace per host and the switches of hosts 2..N', (t) => {
  const o = makePlan({ name: 'demo', nodes: 2, hosts: 2 }).overlay!;
  t.deepEqual(overlayNamespaces(o), ['svclab-demo-transit', 'svclab-demo-host1', 'svclab-demo-host2', 'svclab-demo-switch2']);
});
