import test from 'ava';
import type { Scenario } from '../../../src/scenario/model.js';
import { jobsFor, labShape, modesOf } from '../../../src/scenario/runner.js';
import { validateLabName } from '../../../src/lab/plan.js';

const scenario = (cluster: Scenario['cluster']): Scenario => ({ name: 'x', file: 'x.yaml', stepLines: [], steps: [{ sleep: 1 }], cluster });

test('a scenario runs in its own mode, or once per mode of its matrix', (t) => {
  t.deepEqual(modesOf(scenario(undefined)), ['iptables']);
  t.deepEqual(modesOf(scenario({ proxyMode: 'nftables' })), ['nftables']);
  t.deepEqual(modesOf(scenario({ matrix: { proxyMode: 'all' } })), ['iptables', 'nftables', 'nftables-maps', 'ipvs', 'userspace']);
  t.deepEqual(modesOf(scenario({ matrix: { proxyMode: ['userspace', 'iptables'] } })), ['userspace', 'iptables']);
});

test('asked modes replace a single mode and narrow a matrix', (t) => {
  t.deepEqual(modesOf(scenario({ proxyMode: 'nftables' }), ['userspace']), ['userspace']);
  t.deepEqual(modesOf(scenario({ matrix: { proxyMode: 'all' } }), ['nftables', 'ipvs']), ['nftables', 'ipvs']);
  t.deepEqual(modesOf(scenario({ matrix: { proxyMode: ['iptables'] } }), ['nftables']), []);
});

test('every run gets its own valid lab name', (t) => {
  const jobs = jobsFor([scenario({ matrix: { proxyMode: 'all' } }), scenario(undefined)], { labPrefix: 'lib9999-' });
  t.deepEqual(jobs.map((j) => [j.mode, j.lab]), [
    ['iptables', 'lib9999-1'],
    ['nftables', 'lib9999-2'],
    ['nftables-maps', 'lib9999-3'],
    ['ipvs', 'lib9999-4'],
    ['userspace', 'lib9999-5'],
    ['iptables', 'lib9999-6'],
  ]);
  for (const j of jobsFor(Array.from({ length: 150 }, () => scenario(undefined)))) t.is(validateLabName(j.lab), undefined, j.lab);
});

test('a run over more hosts than the scenario has nodes gets one node per host', (t) => {
  t.deepEqual(labShape(scenario(undefined)), { nodes: 2, hosts: 1, raised: false });
  t.deepEqual(labShape(scenario({ nodes: 3 }), 2), { nodes: 3, hosts: 2, raised: false });
  t.deepEqual(labShape(scenario({ nodes: 2 }), 3), { nodes: 3, hosts: 3, raised: true });
  t.deepEqual(labShape(scenario(undefined), 4), { nodes: 4, hosts: 4, raised: true });
  t.deepEqual(labShape(scenario({ hosts: 2, nodes: 4 })), { nodes: 4, hosts: 2, raised: false });
  t.deepEqual(labShape(scenario({ hosts: 2, nodes: 2 }), 1), { nodes: 2, hosts: 1, raised: false });
});
