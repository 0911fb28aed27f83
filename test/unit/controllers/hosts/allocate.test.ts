import test from 'ava';
import type { Host } from '../../../../src/api/hosts.js';
import type { Node } from '../../../../src/api/types.js';
import { allocateHost } from '../../../../src/controllers/hosts/allocate.js';
import { makePlan } from '../../../../src/lab/plan.js';
import { parseCidr } from '../../../../src/net/cidr.js';

const plan = { nodeCIDR: parseCidr('172.18.0.0/24')!, podCIDR: parseCidr('10.244.0.0/16')! };
const host = (name: string, nodes: number, allocated: string[] = []): Host => ({
  metadata: { name },
  spec: { address: '198.18.0.134', nodes },
  ...(allocated.length ? { status: { nodes: allocated.map((n) => ({ name: n, ip: 'x', podCIDR: 'y' })) } } : {}),
});
const node = (name: string): Node => ({ metadata: { name } }) as Node;

test('a joining host gets the lowest free indexes, with exactly the IPs and pod /24s makePlan gives those nodes', (t) => {
  const r = allocateHost(host('b', 2), [], [node('node1'), node('node2')], plan);
  const four = makePlan({ name: 'x', nodes: 4 }).nodes.slice(2).map((n) => ({ name: n.name, ip: n.ip, podCIDR: n.podCIDR }));
  t.deepEqual(r, { nodes: four });
  t.deepEqual(four.map((n) => [n.name, n.ip, n.podCIDR]), [['node3', '172.18.0.4', '10.244.3.0/24'], ['node4', '172.18.0.5', '10.244.4.0/24']]);
});

test('indexes held by other hosts (even before their nodes register) and gaps: the lowest free ones, never a collision', (t) => {
  const others = [host('c', 1, ['node3']), host('b', 2)];
  const r = allocateHost(host('b', 2), others, [node('node1'), node('node4'), node('other-name')], plan);
  t.deepEqual('nodes' in r ? r.nodes.map((n) => n.name) : r, ['node2', 'node5']);
});

test('a host that does not fit is refused with the reason', (t) => {
  const small = { nodeCIDR: parseCidr('172.18.0.0/29')!, podCIDR: plan.podCIDR }; // 5 node IPs
  const r = allocateHost(host('b', 4), [], [node('node1'), node('node2')], small);
  t.deepEqual(r, { refused: "the lab's address plan holds 5 nodes and 3 of them are free: 4 requested" });
});
