import test from 'ava';
import { componentsFor } from '../../../src/lab/components.js';
import { joinedPlan, makePlan } from '../../../src/lab/plan.js';
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

test('--listen: the controller-manager allocates from the address plan with the overlay numbers, the router keeps pod routes, an overlay daemon runs; agents get MTU 1450', (t) => {
  const plan = makePlan({ name: 'demo', nodes: 2, listen: '192.0.2.10:6443' });
  const all = new Map(componentsFor({ plan, apiPort: 0, createdAt: '', home: '/svclab' }, new NetnsRuntime()).map((c) => [c.name, c.argv]));
  const cm = all.get('controller-manager')!;
  t.is(flag(cm, '--overlay-vni'), String(plan.vxlan!.vni));
  t.is(flag(cm, '--node-cidr'), '172.18.0.0/24');
  t.true(all.get('router')!.includes('--pod-routes'));
  const overlay = all.get('overlay')!;
  t.deepEqual([flag(overlay, '--host'), flag(overlay, '--switch')], ['control-plane', 'svclab-demo-switch']);
  t.regex(flag(overlay, '--token-file')!, /overlay\.token$/);
  t.is(flag(all.get('agent-node1')!, '--mtu'), '1450');
  // Joined machines' kubelets: over TLS through the router's egress socket.
  const api = all.get('apiserver')!;
  t.regex(flag(api, '--egress-socket')!, /demo\/egress\.sock$/);
  t.is(flag(all.get('router')!, '--egress-socket'), flag(api, '--egress-socket'));
  t.regex(flag(api, '--kubelet-client-certificate')!, /apiserver-kubelet-client\.crt$/);
  t.regex(flag(api, '--kubelet-certificate-authority')!, /ca\.crt$/);
  t.is(flag(all.get('agent-node1')!, '--cert-dir'), undefined);
});

test('a joined machine runs only its agents (HTTPS through the relay, its certificates, its Host) and its overlay daemon (at the listen address)', (t) => {
  const plan = joinedPlan({
    name: 'local',
    nodes: [{ name: 'node3', ip: '172.18.0.4', podCIDR: '10.244.3.0/24' }],
    vxlan: { local: '192.0.2.20', vni: 42, port: 4789, mtu: 1450, host: 'b' },
    joined: { lab: 'demo', server: 'https://192.0.2.10:6443' },
  });
  const all = componentsFor({ plan, apiPort: 0, createdAt: '', home: '/svclab' }, new NetnsRuntime());
  t.deepEqual(all.map((c) => c.name), ['overlay', 'agent-node3']);
  const [overlay, agent] = all.map((c) => c.argv) as [string[], string[]];
  t.is(flag(overlay, '--server'), 'https://192.0.2.10:6443');
  t.regex(flag(overlay, '--cert-file')!, /local\/pki\/nodes\/node3\.crt$/);
  t.is(flag(agent, '--server'), 'https://172.18.0.1:6443');
  t.regex(flag(agent, '--key-file')!, /local\/pki\/nodes\/node3\.key$/);
  t.is(flag(agent, '--token-file'), undefined);
  t.true(agent.includes('--server-tls-bootstrap'));
  t.regex(flag(agent, '--cert-dir')!, /local\/pki\/nodes$/);
  t.deepEqual([flag(agent, '--host'), flag(agent, '--node-ip'), flag(agent, '--pod-cidr'), flag(agent, '--lab'), flag(agent, '--mtu')], ['b', '172.18.0.4', '10.244.3.0/24', 'local', '1450']);
  t.is(agent[agent.indexOf('unshare') - 1 - 1], '--net=/run/netns/svclab-local-node3');
});
