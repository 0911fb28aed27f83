import test from 'ava';
import { ChangeTracker } from '../../../../src/agent/proxy/tracker.js';
import { endpoint, servicePort } from './fixtures.js';

const key = 'ns1/svc1:p80/TCP';

test('changes are recorded per service port key and handed out once', (t) => {
  let now = 100;
  const tracker = new ChangeTracker(() => now);
  t.true(tracker.set(key, servicePort()));
  now = 200;
  t.true(tracker.set('ns1/svc2:p80/TCP', servicePort({ name: 'svc2' })));
  t.deepEqual(tracker.pending(), { keys: new Set([key, 'ns1/svc2:p80/TCP']), oldest: 100 });
  t.deepEqual(tracker.pending(), { keys: new Set() });
  t.is(tracker.services().length, 2);
});

test('a change to the same content is a no-op, whatever the endpoint order or key order', (t) => {
  const tracker = new ChangeTracker();
  tracker.set(key, servicePort({ endpoints: [endpoint('10.244.1.5'), endpoint('10.244.1.6')] }));
  tracker.pending();
  const reordered = { ...servicePort(), endpoints: [endpoint('10.244.1.6'), { port: 80, ip: '10.244.1.5', ready: true, serving: true, terminating: false, local: false }] };
  t.false(tracker.set(key, reordered));
  t.false(tracker.hasPending);
  t.false(tracker.set('ns1/gone:p80/TCP', undefined));
  t.false(tracker.hasPending);
});

test('a change undone before the sync leaves nothing pending, and removal is a change', (t) => {
  const tracker = new ChangeTracker();
  const a = servicePort({ endpoints: [endpoint('10.244.1.5')] });
  tracker.set(key, a);
  tracker.pending();
  t.true(tracker.set(key, { ...a, endpoints: [] }));
  t.false(tracker.set(key, a));
  t.deepEqual(tracker.pending().keys, new Set());
  t.true(tracker.set(key, undefined));
  t.deepEqual(tracker.pending().keys, new Set([key]));
  t.deepEqual(tracker.services(), []);
});

test('the oldest change time survives later updates of the same port', (t) => {
  let now = 1000;
  const tracker = new ChangeTracker(() => now);
  tracker.set(key, servicePort());
  now = 5000;
  tracker.set(key, servicePort({ port: 81 }));
  t.is(tracker.pending().oldest, 1000);
});
