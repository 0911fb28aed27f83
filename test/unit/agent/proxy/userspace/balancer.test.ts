import test from 'ava';
import { RoundRobin, type Target } from '../../../../../src/agent/proxy/userspace/balancer.js';

const a: Target = { ip: '10.244.1.2', port: 8080 };
const b: Target = { ip: '10.244.2.2', port: 8080 };
const c: Target = { ip: '10.244.3.2', port: 8080 };
const none = new Set<string>();
const key = (t: Target | undefined): string | undefined => t && `${t.ip}:${t.port}`;

test('without affinity, connections go round the endpoints in turn, whoever the client', (t) => {
  const rr = new RoundRobin([a, b, c], undefined);
  t.deepEqual([1, 2, 3, 4].map((i) => key(rr.pick(`192.168.0.${i}`, none))), [key(a), key(b), key(c), key(a)]);
  t.is(rr.size, 3);
});

test('endpoints that already failed this connection are skipped; none left gives undefined', (t) => {
  const rr = new RoundRobin([a, b], undefined);
  t.is(key(rr.pick('client', new Set([key(a)!]))), key(b));
  t.is(rr.pick('client', new Set([key(a)!, key(b)!])), undefined);
  t.is(new RoundRobin([], undefined).pick('client', none), undefined);
});

test('ClientIP affinity keeps a client on its endpoint until the timeout since its last use', (t) => {
  let now = 1_000_000;
  const rr = new RoundRobin([a, b], 10, () => now);
  t.is(key(rr.pick('client', none)), key(a));
  t.is(key(rr.pick('other', none)), key(b));
  now += 9_000;
  t.is(key(rr.pick('client', none)), key(a), 'within 10 s: the same endpoint');
  now += 9_000;
  t.is(key(rr.pick('client', none)), key(a), 'each use renews it');
  now += 10_000;
  t.is(key(rr.pick('client', none)), key(a), 'expired: back to round robin, whose turn is a again');
  t.is(key(rr.pick('client', none)), key(a));
  now += 10_001;
  t.is(key(rr.pick('client', none)), key(b));
});

test('a failure drops the affinity, and an excluded sticky endpoint is not used', (t) => {
  const rr = new RoundRobin([a, b], 60, () => 0);
  t.is(key(rr.pick('client', none)), key(a));
  t.is(key(rr.pick('client', new Set([key(a)!]))), key(b), 'the sticky endpoint failed this connection');
  t.is(key(rr.pick('client', none)), key(b), 'the retry made b the sticky one');
  rr.failed('client');
  t.is(key(rr.pick('client', none)), key(a), 'no affinity left: round robin');
});

test('an update keeps the affinity of endpoints that stay, and drops all of it when affinity is turned off', (t) => {
  const rr = new RoundRobin([a, b], 60, () => 0);
  t.is(key(rr.pick('x', none)), key(a));
  t.is(key(rr.pick('y', none)), key(b));
  rr.update([b, c], 60);
  t.is(key(rr.pick('y', none)), key(b), "y's endpoint stays");
  t.not(key(rr.pick('x', none)), key(a), "x's endpoint is gone");
  rr.update([b, c], undefined);
  const picks = [rr.pick('y', none), rr.pick('y', none)].map(key);
  t.deepEqual(new Set(picks).size, 2, 'no affinity: y goes round');
});
