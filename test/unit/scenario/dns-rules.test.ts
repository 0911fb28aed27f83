import test from 'ava';
import type { Service } from '../../../src/api/types.js';
import { relevantServices } from '../../../src/scenario/diagnostics.js';
import { dnsChecks } from '../../../src/scenario/steps/dns.js';
import { serviceMarker, withoutEmptyChains } from '../../../src/scenario/steps/rules.js';

const result = (answers: [string, string][], rcode = 'NOERROR') => ({ server: '10.96.0.10', name: 'x', rcode, ms: 1, answers: answers.map(([type, data]) => ({ name: 'x', type, data })) });

test('answers must be exactly the expected records, in any order', (t) => {
  const r = result([['A', '10.244.1.4'], ['A', '10.244.2.7']]);
  t.true(dnsChecks(r, 'A', { answers: ['10.244.2.7', '10.244.1.4'] }).every((c) => c.ok));
  t.false(dnsChecks(r, 'A', { answers: ['10.244.2.7'] })[1]!.ok);
  t.false(dnsChecks(r, 'A', { answers: ['10.244.2.7', '10.244.2.7'] })[1]!.ok);
  t.true(dnsChecks(r, 'A', { answers: ['/^10\\.244\\.1\\./', '/^10\\.244\\./'] })[1]!.ok);
  t.true(dnsChecks(r, 'A', { contains: ['10.244.1.4'], count: 2 }).every((c) => c.ok));
});

test('rcode, CNAMEs in the chain and a server that never answered', (t) => {
  const chain = result([['CNAME', 'my.database.example.com'], ['A', '203.0.113.10']]);
  t.true(dnsChecks(chain, 'A', { cname: 'my.database.example.com', answers: ['203.0.113.10'] }).every((c) => c.ok));
  t.false(dnsChecks(result([], 'NXDOMAIN'), 'A', {})[0]!.ok);
  t.true(dnsChecks(result([], 'NXDOMAIN'), 'A', { rcode: 'NXDOMAIN' })[0]!.ok);
  const silent = { ...result([]), rcode: 'NONE', error: 'ETIMEDOUT' };
  t.deepEqual(dnsChecks(silent, 'A', {})[0], { what: 'rcode', expected: 'NOERROR', seen: 'no reply (ETIMEDOUT)', ok: false });
});

test("a service's rules are found by the names each proxy mode gives them", (t) => {
  const ipt = serviceMarker('iptables', 'default', 'web');
  t.true(ipt.test('-A KUBE-SERVICES -d 10.96.5.5/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-X'));
  t.true(ipt.test('-A KUBE-SERVICES -m comment --comment "default/web has no endpoints" -j REJECT'));
  t.true(ipt.test('-A KUBE-PORTALS-CONTAINER -d 10.96.5.5/32 -p tcp -m comment --comment "default/web" -m tcp --dport 80 -j DNAT'));
  t.false(ipt.test('-A KUBE-SERVICES -m comment --comment "default/web2 cluster IP" -j KUBE-SVC-Y'));
  const port = serviceMarker('iptables', 'default', 'web', { name: 'http', protocol: 'TCP' });
  t.false(port.test('--comment "default/web:echo cluster IP"'));
  const nft = serviceMarker('nftables', 'default', 'web', { name: 'http', protocol: 'TCP' });
  t.true(nft.test('\tchain service-ULMVA6XW-default/web/tcp/http {'));
  t.false(nft.test('\tchain service-ULMVA6XW-default/web/udp/http {'));
  t.false(serviceMarker('nftables', 'default', 'web').test('\tchain service-AAAAAAAA-default/web2/tcp/ {'));
});

test('nftables chains flushed and waiting for deletion are not rules', (t) => {
  const dump = 'table ip kube-proxy {\n\tchain service-A-default/web/tcp/ {\n\t}\n\tchain service-B-default/db/tcp/ {\n\t\tjump endpoint-C\n\t}\n}\n';
  const left = withoutEmptyChains(dump);
  t.false(left.includes('default/web/'));
  t.true(left.includes('chain service-B-default/db/tcp/ {\n\t\tjump endpoint-C'));
});

test('failed traffic is explained by the services it was aimed at', (t) => {
  const svc = (name: string, ns: string, clusterIP: string, nodePort?: number, lb?: string): Service =>
    ({ metadata: { name, namespace: ns }, spec: { clusterIP, ports: [{ port: 80, nodePort }] }, status: lb ? { loadBalancer: { ingress: [{ ip: lb }] } } : {} }) as Service;
  const all = [svc('kubernetes', 'default', '10.96.0.1'), svc('web', 'default', '10.96.5.5', 30080), svc('db', 'prod', '10.96.6.6', undefined, '203.0.113.200'), svc('kube-dns', 'kube-system', '10.96.0.10')];
  const names = (target: string): string[] => relevantServices(all, ['172.18.0.2'], target).map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
  t.deepEqual(names('http://web/'), ['default/web']);
  t.deepEqual(names('http://db.prod.svc.cluster.local:80/'), ['prod/db']);
  t.deepEqual(names('10.96.5.5:80'), ['default/web']);
  t.deepEqual(names('http://172.18.0.2:30080/'), ['default/web']);
  t.deepEqual(names('http://203.0.113.200/'), ['prod/db']);
  t.deepEqual(names('10.244.1.3:9999'), ['default/web', 'prod/db']);
});
