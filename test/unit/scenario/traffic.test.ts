import test from 'ava';
import type { Attempt } from '../../../src/scenario/probe-spec.js';
import { evaluate, identify } from '../../../src/scenario/steps/traffic.js';

const hello = (pod: string, ms = 5): Attempt => ({ ok: true, status: 200, body: `Hello from ${pod} at 10.244.1.3:8080\n`, ms });
const failed = (error: string, ms = 3): Attempt => ({ ok: false, error, ms });

test("the lab's servers name the backend and the client they saw", (t) => {
  t.deepEqual(identify('Hello from web-1 at 10.244.1.3:8080\n'), { backend: 'web-1' });
  t.deepEqual(identify('{"pod":"web-2","ip":"10.244.2.3","port":8080,"client":"10.244.1.9:41234"}\n'), { backend: 'web-2', source: '10.244.1.9' });
  t.deepEqual(identify('pod=echo-1 ip=10.244.1.5 client=10.244.2.4:5555\n'), { backend: 'echo-1', source: '10.244.2.4' });
  t.deepEqual(identify('Hello from the external server web on port 80; you are 203.0.113.2\n'), { backend: 'external', source: '203.0.113.2' });
  t.deepEqual(identify('{"HOSTNAME":"httpenv-abc","PATH":"/bin"}'), { backend: 'httpenv-abc', source: undefined });
  t.deepEqual(identify('<html>Welcome to nginx!</html>'), {});
});

test('every request must answer 200 by default, and the report counts the outcomes', (t) => {
  const ok = evaluate([hello('a'), hello('b')], {}, 'http');
  t.true(ok.checks.every((c) => c.ok));
  t.is(ok.summary, '200 ×2 · backends a ×1, b ×1');
  const bad = evaluate([hello('a'), failed('ETIMEDOUT'), { ok: true, status: 503, body: 'no', ms: 1 }], {}, 'http');
  t.false(bad.checks[0]!.ok);
  t.is(bad.checks[0]!.expected, 'all answer 200');
  t.is(bad.checks[0]!.seen, '1/3 did (200 ×1, 503 ×1, ETIMEDOUT ×1); e.g. "no"');
});

test('a success rate lets some requests fail', (t) => {
  const attempts = [hello('a'), hello('a'), hello('a'), failed('ECONNRESET')];
  t.true(evaluate(attempts, { successRate: 0.75 }, 'http').checks[0]!.ok);
  t.false(evaluate(attempts, { successRate: 0.9 }, 'http').checks[0]!.ok);
});

test('expected errors: every request must fail that way', (t) => {
  t.true(evaluate([failed('ECONNREFUSED'), failed('ECONNREFUSED')], { error: 'ECONNREFUSED' }, 'tcp').checks[0]!.ok);
  const mixed = evaluate([failed('ECONNREFUSED'), failed('ETIMEDOUT', 3000)], { error: 'ECONNREFUSED', latency: '1s' }, 'tcp');
  t.false(mixed.checks[0]!.ok);
  t.deepEqual(mixed.checks.map((c) => [c.what, c.ok]), [['2 requests', false], ['latency', false]]);
  t.is(mixed.checks[1]!.seen, 'slowest 3000 ms, 1 over');
  t.true(evaluate([failed('ETIMEDOUT')], { error: '/ETIMEDOUT|EHOSTUNREACH/' }, 'tcp').checks[0]!.ok);
});

test('distinct backends, a backend pattern and the busiest share are checked', (t) => {
  const spread = [hello('web-v1-a'), hello('web-v1-b'), hello('web-v1-a'), hello('web-v1-b')];
  t.true(evaluate(spread, { backends: 2, backend: '/^web-v1-/', maxShare: 0.5 }, 'http').checks.every((c) => c.ok));
  const lopsided = [hello('a'), hello('a'), hello('a'), hello('b')];
  const r = evaluate(lopsided, { backends: { min: 3 }, maxShare: 0.6, backend: 'a' }, 'http');
  t.deepEqual(r.checks.slice(1).map((c) => [c.what, c.ok, c.seen]), [
    ['backends', false, '2: a ×3, b ×1'],
    ['backend', false, 'also b (a ×3, b ×1)'],
    ['spread', false, 'busiest 75% (a ×3, b ×1)'],
  ]);
});

test('backend expectations without any reply naming a backend fail with a hint', (t) => {
  const r = evaluate([{ ok: true, status: 200, body: 'Welcome to nginx!', ms: 2 }], { backends: 2 }, 'http');
  t.false(r.checks[1]!.ok);
  t.regex(r.checks[1]!.seen, /give backendLogs/);
});

test('counts from access logs replace what the replies say', (t) => {
  const attempts = [1, 2, 3, 4].map(() => ({ ok: true, status: 200, body: 'This is the hello world custom node parent', ms: 2 }));
  const logs = { backends: new Map([['ms-hello-a', 2], ['ms-hello-b', 2]]), sources: ['10.244.1.3', '10.244.1.3', '10.244.1.3', '10.244.1.3'] };
  const r = evaluate(attempts, { backends: 2, sourceIP: '10.244.1.3' }, 'http', logs);
  t.true(r.checks.every((c) => c.ok));
  t.false(evaluate(attempts, { sourceIP: '10.244.9.9' }, 'http', logs).checks[1]!.ok);
});

test('the source address must match on every reply that tells it', (t) => {
  const echo = (client: string): Attempt => ({ ok: true, body: `pod=e ip=10.244.1.5 client=${client}:4000\n`, ms: 1 });
  t.true(evaluate([echo('10.244.2.2'), echo('10.244.2.2')], { sourceIP: '10.244.2.2' }, 'udp').checks.every((c) => c.ok));
  const r = evaluate([echo('10.244.2.2'), echo('172.18.0.3')], { sourceIP: { not: '172.18.0.3' } }, 'udp');
  t.deepEqual([r.checks[1]!.ok, r.checks[1]!.seen], [false, '10.244.2.2 ×1, 172.18.0.3 ×1']);
});

test('tcp and udp requests need a reply matching when one is asked for', (t) => {
  t.false(evaluate([{ ok: true, ms: 1 }], {}, 'udp').checks[0]!.ok);
  t.true(evaluate([{ ok: true, ms: 1 }], {}, 'tcp').checks[0]!.ok);
  t.false(evaluate([{ ok: true, body: 'hi', ms: 1 }], { reply: 'pod=' }, 'tcp').checks[0]!.ok);
});
