import test from 'ava';
import { canonicalIp, dashedIp, ipFromDashed, ipFromReverse, isSubdomain, isValidName } from '../../../src/dns/names.js';

test('dashed IPs round-trip for IPv4 and IPv6 and malformed ones are rejected', (t) => {
  t.is(dashedIp('10.244.1.5'), '10-244-1-5');
  t.is(ipFromDashed('10-244-1-5'), '10.244.1.5');
  t.is(dashedIp('fd00::5'), 'fd00--5');
  t.is(ipFromDashed('fd00--5'), 'fd00::5');
  for (const bad of ['10-244-1', '10-244-1-256', '10-244-1-5-6', 'a-b-c-d', '010-1-1-1', '']) t.is(ipFromDashed(bad), undefined, bad);
});

test('reverse names give back the address, IPv6 nibbles included', (t) => {
  t.is(ipFromReverse('5.1.244.10.in-addr.arpa'), '10.244.1.5');
  t.is(ipFromReverse('1.244.10.in-addr.arpa'), undefined);
  t.is(ipFromReverse('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'), 'fd00::1');
  t.is(ipFromReverse('x.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'), undefined);
  t.is(canonicalIp('FD00:0::1'), 'fd00::1');
});

test('subdomains, and names we can echo back', (t) => {
  t.true(isSubdomain('a.cluster.local', 'cluster.local'));
  t.true(isSubdomain('cluster.local', 'cluster.local'));
  t.false(isSubdomain('acluster.local', 'cluster.local'));
  t.true(isValidName('a.b'));
  t.true(isValidName('.'));
  t.false(isValidName('a..b'));
  t.false(isValidName(`${'x'.repeat(64)}.com`));
  t.false(isValidName(Array.from({ length: 60 }, () => 'abcd').join('.')));
});
