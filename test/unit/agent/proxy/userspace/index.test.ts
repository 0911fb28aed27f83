import test from 'ava';
import { portalRules } from '../../../../../src/agent/proxy/userspace/index.js';
import { servicePort } from '../fixtures.js';

const nodeIP = '172.18.0.2';

test('an open service port: its cluster, external and load-balancer IPs and its nodePort DNAT to the proxy socket, from pods and from the host', (t) => {
  const sp = servicePort({ externalIPs: ['192.0.2.10'], loadBalancerIPs: ['172.18.255.1'], nodePort: 30080 });
  const rules = portalRules([{ sp, port: 41234, open: true }], nodeIP);
  t.is(
    rules,
    [
      '*nat',
      ':KUBE-PORTALS-CONTAINER - [0:0]',
      ':KUBE-PORTALS-HOST - [0:0]',
      ':KUBE-NODEPORT-CONTAINER - [0:0]',
      ':KUBE-NODEPORT-HOST - [0:0]',
      ...['10.96.0.41', '192.0.2.10', '172.18.255.1'].flatMap((ip) => [
        `-A KUBE-PORTALS-CONTAINER -d ${ip}/32 -p tcp -m comment --comment "ns1/svc1:p80" -m tcp --dport 80 -j DNAT --to-destination 172.18.0.2:41234`,
        `-A KUBE-PORTALS-HOST -d ${ip}/32 -p tcp -m comment --comment "ns1/svc1:p80" -m tcp --dport 80 -j DNAT --to-destination 172.18.0.2:41234`,
      ]),
      '-A KUBE-NODEPORT-CONTAINER -p tcp -m comment --comment "ns1/svc1:p80" -m tcp --dport 30080 -j DNAT --to-destination 172.18.0.2:41234',
      '-A KUBE-NODEPORT-HOST -p tcp -m comment --comment "ns1/svc1:p80" -m tcp --dport 30080 -j DNAT --to-destination 172.18.0.2:41234',
      'COMMIT',
      '*filter',
      ':KUBE-PORTALS-REJECT - [0:0]',
      'COMMIT',
      '',
    ].join('\n'),
  );
});

test('a service port with no socket (no ready endpoint) is rejected on every address and its nodePort, with no portal', (t) => {
  const sp = servicePort({ protocol: 'UDP', port: 53, portName: '', externalIPs: ['192.0.2.10'], nodePort: 30053 });
  const rules = portalRules([{ sp, open: false }], nodeIP);
  t.false(rules.includes('DNAT'));
  const reject = rules.split('\n').filter((l) => l.startsWith('-A KUBE-PORTALS-REJECT'));
  t.deepEqual(reject, [
    '-A KUBE-PORTALS-REJECT -d 10.96.0.41/32 -p udp -m comment --comment "ns1/svc1 has no endpoints" -m udp --dport 53 -j REJECT',
    '-A KUBE-PORTALS-REJECT -d 192.0.2.10/32 -p udp -m comment --comment "ns1/svc1 has no endpoints" -m udp --dport 53 -j REJECT',
    '-A KUBE-PORTALS-REJECT -m addrtype --dst-type LOCAL -p udp -m comment --comment "ns1/svc1 has no endpoints" -m udp --dport 30053 -j REJECT',
  ]);
});

test('an open port whose socket has no port yet is treated as closed', (t) => {
  const rules = portalRules([{ sp: servicePort(), open: true }], nodeIP);
  t.regex(rules, /-A KUBE-PORTALS-REJECT -d 10\.96\.0\.41\/32 -p tcp .* -j REJECT/);
  t.false(rules.includes('DNAT'));
});
