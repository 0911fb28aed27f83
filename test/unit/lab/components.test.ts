import test from 'ava';
import { componentsFor } from '../../../src/lab/components.js';
import { joinedPlan, makePlan } from '../../../src/lab/plan.js';
import { joinedDemo } from './joined-plan.js';
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

test('two hosts on etcd: a member, an API server replica and a leader-elected controller-manager per host; agents use their own host\'s replica, then the relay', (t) => {
  const plan = makePlan({ name: 'demo', nodes: 3, hosts: 2, store: 'etcd' });
  const all = componentsFor({ plan, apiPort: 0, createdAt: '', home: '/svclab' }, new NetnsRuntime());
  const byName = new Map(all.map((c) => [c.name, c.argv]));
  t.deepEqual(all.map((c) => c.name).filter((n) => /^(etcd|apiserver|controller-manager)/.test(n)), ['etcd', 'etcd-host2', 'apiserver', 'controller-manager', 'apiserver-host2', 'controller-manager-host2']);
  const member2 = byName.get('etcd-host2')!;
  t.deepEqual(member2.slice(0, 2), ['nsenter', '--net=/run/netns/svclab-demo-host2'], 'in its host\'s namespace');
  t.is(flag(member2, '--initial-cluster'), 'host1=https://198.18.0.6:2380,host2=https://198.18.0.10:2380');
  t.is(flag(member2, '--listen-client-urls'), 'https://198.18.0.10:2379,unix://client:2379');
  t.true(member2.includes('--client-cert-auth') && member2.includes('--peer-client-cert-auth'));
  // Host 1's replica: the machine's namespace, the CLI's port file, its member's local socket.
  const api1 = byName.get('apiserver')!;
  t.is(api1[0], process.execPath);
  t.truthy(flag(api1, '--port-file'));
  t.regex(flag(api1, '--etcd-servers')!, /^unix:\/\/[^,]*etcd\/host1\/client:2379$/, 'its own member only');
  // Host 2's: its namespace, HTTPS on its address, its own sockets, the members over TLS (its own first).
  const api2 = byName.get('apiserver-host2')!;
  t.is(flag(api2, '--bind-address'), '198.18.0.10');
  t.regex(flag(api2, '--socket')!, /api-host2\.sock$/);
  t.is(flag(api2, '--etcd-servers'), 'https://198.18.0.10:2379,https://198.18.0.6:2379');
  t.regex(flag(api2, '--etcd-certfile')!, /apiserver-etcd-client\.crt$/);
  t.is(flag(byName.get('controller-manager-host2')!, '--leader-elect-identity'), 'host2');
  t.regex(flag(byName.get('controller-manager-host2')!, '--server')!, /api-host2\.sock$/);
  t.false(byName.get('controller-manager-host2')!.includes('--fallback-server'), 'its own host\'s replica only');
  t.regex(flag(byName.get('agent-node2')!, '--server')!, /api-host2\.sock$/);
  t.is(flag(byName.get('agent-node2')!, '--fallback-server'), 'https://172.18.0.1:6443');
  t.regex(flag(byName.get('agent-node1')!, '--server')!, /\/api\.sock$/);
  t.is(byName.get('router')!.filter((a) => a === '--api-tls-socket').length, 2, 'the relay reaches either replica');
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
  const plan = joinedDemo();
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

test('--listen on etcd: the member also serves clients and peers over TLS on the listen address, and the controller-manager is leader elected', (t) => {
  const plan = makePlan({ name: 'demo', nodes: 1, listen: '192.0.2.10:6443', store: 'etcd' });
  const all = new Map(componentsFor({ plan, apiPort: 0, createdAt: '', home: '/svclab' }, new NetnsRuntime()).map((c) => [c.name, c.argv]));
  const etcd = all.get('etcd')!;
  t.is(flag(etcd, '--name'), 'control-plane');
  t.is(flag(etcd, '--listen-client-urls'), 'https://192.0.2.10:2379,unix://client:2379');
  t.is(flag(etcd, '--initial-cluster'), 'control-plane=https://192.0.2.10:2380');
  t.is(flag(etcd, '--initial-cluster-state'), 'new');
  t.regex(flag(etcd, '--peer-cert-file')!, /etcd-control-plane-peer\.crt$/);
  t.regex(flag(all.get('apiserver')!, '--etcd-servers')!, /^unix:\/\/.*client:2379$/);
  t.true(all.get('controller-manager')!.includes('--leader-elect'));
  t.is(flag(all.get('controller-manager')!, '--leader-elect-identity'), 'control-plane');
});

test('a machine joined as a control plane adds its etcd member (existing cluster), an API server replica on its address and a leader-elected controller-manager; its agents use the replica first, then the relay', (t) => {
  const base = joinedDemo();
  const plan = joinedPlan({ name: 'local', nodes: base.nodes, vxlan: base.vxlan!, joined: { ...base.joined!, controlPlane: { member: 'b', ip: '192.0.2.20', initialCluster: 'control-plane=https://192.0.2.10:2380,b=https://192.0.2.20:2380', peers: ['https://192.0.2.10:2379'] } } });
  t.is(plan.store, 'etcd');
  const all = componentsFor({ plan, apiPort: 0, createdAt: '', home: '/svclab' }, new NetnsRuntime());
  t.deepEqual(all.map((c) => c.name), ['overlay', 'etcd', 'apiserver', 'controller-manager', 'agent-node3']);
  const byName = new Map(all.map((c) => [c.name, c.argv]));
  const etcd = byName.get('etcd')!;
  t.is(flag(etcd, '--initial-cluster-state'), 'existing');
  t.is(flag(etcd, '--initial-cluster'), 'control-plane=https://192.0.2.10:2380,b=https://192.0.2.20:2380');
  t.is(flag(etcd, '--initial-advertise-peer-urls'), 'https://192.0.2.20:2380');
  const api = byName.get('apiserver')!;
  t.deepEqual([flag(api, '--bind-address'), flag(api, '--port')], ['192.0.2.20', '6443']);
  t.regex(flag(api, '--etcd-servers')!, /^unix:\/\/.*local\/etcd\/client:2379$/);
  t.regex(flag(api, '--token-auth-file')!, /local\/pki\/tokens\.csv$/);
  t.is(flag(api, '--egress-socket'), undefined, 'no router on this machine');
  const cm = byName.get('controller-manager')!;
  t.is(flag(cm, '--leader-elect-identity'), 'b');
  t.regex(flag(cm, '--server')!, /^unix:.*local\/api\.sock$/);
  const agent = byName.get('agent-node3')!;
  t.regex(flag(agent, '--server')!, /^unix\+https:.*local\/api-tls\.sock$/);
  t.is(flag(agent, '--fallback-server'), 'https://172.18.0.1:6443');
});
