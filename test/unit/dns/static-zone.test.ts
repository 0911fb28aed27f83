// Zone files for the static (outside-world) server.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { StaticZone } from '../../../src/dns/static-zone.js';
import { tempDir } from '../../helpers/tmp.js';

test('a YAML zone file with A, AAAA, CNAME, MX, SRV and TXT records loads', (t) => {
  const file = path.join(tempDir(t), 'zone.yaml');
  fs.writeFileSync(file, [
    'my.database.example.com: A 203.0.113.10',
    'v6.example.com: AAAA 2001:db8::10',
    'www.example.com: CNAME my.database.example.com.',
    'example.com:',
    '  - MX 10 mail.example.com',
    '  - TXT "v=spf1 -all"',
    '_ldap._tcp.example.com: SRV 0 5 389 ldap.example.com',
  ].join('\n'));
  const zone = StaticZone.fromFile(file, 60);
  t.deepEqual(zone.lookup('MY.database.example.com.', 'A').answers, [{ name: 'MY.database.example.com', type: 'A', ttl: 60, data: '203.0.113.10' }]);
  t.deepEqual(zone.lookup('v6.example.com', 'AAAA').answers.map((a) => (a as { data: string }).data), ['2001:db8::10']);
  t.like(zone.lookup('www.example.com', 'A'), { rcode: 'NOERROR', alias: 'my.database.example.com' });
  t.deepEqual(zone.lookup('example.com', 'MX').answers.map((a) => (a as { data: unknown }).data), [{ preference: 10, exchange: 'mail.example.com' }]);
  t.deepEqual(zone.lookup('example.com', 'TXT').answers.map((a) => (a as { data: unknown }).data), ['v=spf1 -all']);
  t.deepEqual(zone.lookup('_ldap._tcp.example.com', 'SRV').answers.map((a) => (a as { data: unknown }).data), [{ priority: 0, weight: 5, port: 389, target: 'ldap.example.com' }]);
  t.is(zone.lookup('_tcp.example.com', 'A').rcode, 'NOERROR');
  t.is(zone.lookup('nope.example.com', 'A').rcode, 'NXDOMAIN');
});

test('a JSON zone file loads too', (t) => {
  const file = path.join(tempDir(t), 'zone.json');
  fs.writeFileSync(file, JSON.stringify({ 'a.example.org': ['A 192.0.2.1', 'A 192.0.2.2'] }));
  t.is(StaticZone.fromFile(file).lookup('a.example.org', 'A').answers.length, 2);
});

test('bad zone files are rejected with the offending line', (t) => {
  t.throws(() => new StaticZone({ 'x.example.com': 'A 300.1.1.1' }), { message: /x\.example\.com.*bad A address/ });
  t.throws(() => new StaticZone({ 'x.example.com': 'AAAA 192.0.2.1' }), { message: /bad AAAA address/ });
  t.throws(() => new StaticZone({ 'x.example.com': 'HINFO a b' }), { message: /unsupported record type HINFO/ });
  t.throws(() => new StaticZone({ 'x.example.com': 'MX ten mail.example.com' }), { message: /bad number/ });
  t.throws(() => new StaticZone({ 'x.example.com': ['CNAME y.example.com', 'A 192.0.2.1'] }), { message: /CNAME cannot have other records/ });
  t.throws(() => new StaticZone({ 'bad..name': 'A 192.0.2.1' }), { message: /bad name/ });
  const file = path.join(tempDir(t), 'list.yaml');
  fs.writeFileSync(file, '- A 192.0.2.1\n');
  t.throws(() => StaticZone.fromFile(file), { message: /expected a map/ });
});
