// The forwarder: upstream addresses, caching and coalescing of upstream queries.
import test from 'ava';
import { Forwarder, parseHostPort } from '../../../src/dns/forwarder.js';
import { startDns, upstreamRecords } from './fixtures.js';

test('upstream addresses parse as IP[:port] with IPv6 in brackets', (t) => {
  t.deepEqual(parseHostPort('10.0.0.2', 53), { host: '10.0.0.2', port: 53 });
  t.deepEqual(parseHostPort('10.0.0.2:5353', 53), { host: '10.0.0.2', port: 5353 });
  t.deepEqual(parseHostPort('[fd00::2]:5353', 53), { host: 'fd00::2', port: 5353 });
  t.deepEqual(parseHostPort('fd00::2', 53), { host: 'fd00::2', port: 53 });
  for (const bad of ['dns.google', '10.0.0.2:99999', '10.0.0.2:x', '']) t.throws(() => parseHostPort(bad, 53), undefined, bad);
});

test('repeated and concurrent lookups reach the upstream once and age their TTLs from the cache', async (t) => {
  const upstream = await startDns(t, { records: upstreamRecords });
  const forwarder = new Forwarder({ host: '127.0.0.1', port: upstream.port });
  t.teardown(() => forwarder.close());
  const asked = () => Object.values(upstream.engine.metrics().queries).reduce((a, b) => a + b, 0);
  const [a, b] = await Promise.all([forwarder.lookup('my.database.example.com', 'A'), forwarder.lookup('MY.database.example.com', 'A')]);
  t.deepEqual(a, b);
  t.is(asked(), 1);
  t.is((await forwarder.lookup('my.database.example.com', 'A')).answers.length, 1);
  t.is((await forwarder.lookup('nothing.example.com', 'A')).rcode, 'NXDOMAIN');
  await forwarder.lookup('nothing.example.com', 'A');
  t.is(asked(), 2);
  t.is(forwarder.cacheSize, 2);
});

test('a full cache evicts its oldest entry', async (t) => {
  const upstream = await startDns(t, { records: upstreamRecords });
  const forwarder = new Forwarder({ host: '127.0.0.1', port: upstream.port }, { maxEntries: 2 });
  t.teardown(() => forwarder.close());
  for (const name of ['my.database.example.com', 'www.example.com', 'example.com']) await forwarder.lookup(name, 'TXT');
  t.is(forwarder.cacheSize, 2);
});
