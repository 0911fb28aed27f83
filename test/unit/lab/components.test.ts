import test from 'ava';
import { componentsFor } from '../../../src/lab/components.js';
import { makePlan } from '../../../src/lab/plan.js';
import { NetnsRuntime } from '../../../src/runtime/netns/index.js';

const agentArgs = (hosts: number): Map<string, string[]> => {
  const plan = makePlan({ name: 'demo', nodes: 3, hosts });
  const state = { plan, apiPort: 0, createdAt: '', home: '/svclab' };
  return new Map(componentsFor(state, new NetnsRuntime()).filter((c) => c.name.startsWith('agent-')).map((c) => [c.name, c.argv]));
};
const flag = (argv: string[], name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);

test('single host: every agent uses the API socket, no MTU flag', (t) => {
  for (const [, argv] of agentArgs(1)) {
    t.regex(flag(argv, '--server')!, /^unix:/);
    t.is(flag(argv, '--mtu'), undefined);
  }
});

test("two hosts: host1's agents keep the socket, host2's reach the API over HTTPS across the overlay through the router's relay; all get the overlay MTU", (t) => {
  const args = agentArgs(2);
  t.regex(flag(args.get('agent-node1')!, '--server')!, /^unix:/);
  t.is(flag(args.get('agent-node2')!, '--server'), 'https://172.18.0.1:6443');
  t.regex(flag(args.get('agent-node2')!, '--ca-file')!, /ca\.crt$/);
  t.regex(flag(args.get('agent-node2')!, '--token-file')!, /agent-node2/);
  t.is(flag(args.get('agent-node1')!, '--ca-file'), undefined);
  t.regex(flag(args.get('agent-node3')!, '--server')!, /^unix:/);
  for (const [, argv] of args) t.is(flag(argv, '--mtu'), '1450');
});
