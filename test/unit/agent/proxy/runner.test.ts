import test from 'ava';
import { BoundedFrequencyRunner, type RunnerOptions, type SyncReason } from '../../../../src/agent/proxy/runner.js';
import { FakeClock } from '../../../helpers/fake-clock.js';

function setup(opts: RunnerOptions = {}, fn?: (reason: SyncReason) => Promise<void>) {
  const clock = new FakeClock();
  const calls: Array<[number, SyncReason]> = [];
  const errors: unknown[] = [];
  const runner = new BoundedFrequencyRunner(
    async (reason) => {
      calls.push([clock.now(), reason]);
      await fn?.(reason);
    },
    { minSyncPeriodMs: 1000, syncPeriodMs: 30_000, clock, onError: (e) => errors.push(e), ...opts },
  );
  runner.start();
  return { clock, calls, errors, runner };
}

test('a burst of requests makes one sync, and the next one waits for the minimum sync period', async (t) => {
  const { clock, calls, runner } = setup();
  runner.run();
  runner.run();
  runner.run();
  await clock.advance(0);
  t.deepEqual(calls, [[0, 'requested']]);
  await clock.advance(200);
  runner.run();
  runner.run();
  await clock.advance(700);
  t.is(calls.length, 1);
  await clock.advance(100);
  t.deepEqual(calls, [[0, 'requested'], [1000, 'requested']]);
  await clock.advance(5000);
  t.is(calls.length, 2);
  await runner.stop();
});

test('never two syncs at once: a request during a slow sync runs once after it', async (t) => {
  let release!: () => void;
  let running = 0;
  let maxRunning = 0;
  const { clock, calls, runner } = setup({ minSyncPeriodMs: 100 }, async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((resolve) => (release = resolve));
    running--;
  });
  runner.run();
  await clock.advance(0);
  runner.run();
  runner.run();
  await clock.advance(5000);
  t.is(calls.length, 1);
  t.true(runner.busy);
  release();
  await clock.advance(0);
  t.deepEqual(calls, [[0, 'requested'], [5000, 'requested']]);
  release();
  await clock.advance(0);
  t.is(maxRunning, 1);
  await runner.stop();
});

test('a periodic sync runs every sync period without any request', async (t) => {
  const { clock, calls, runner } = setup({ syncPeriodMs: 10_000 });
  await clock.advance(25_000);
  t.deepEqual(calls, [[10_000, 'periodic'], [20_000, 'periodic']]);
  await runner.stop();
  await clock.advance(50_000);
  t.is(calls.length, 2);
});

test('a failed sync is retried with a doubling back-off until it succeeds', async (t) => {
  let failuresLeft = 3;
  const { clock, calls, errors, runner } = setup({ minSyncPeriodMs: 100, retryMinMs: 500 }, async () => {
    if (failuresLeft-- > 0) throw new Error('iptables-restore failed');
  });
  runner.run();
  await clock.advance(10_000);
  t.deepEqual(calls, [[0, 'requested'], [500, 'retry'], [1500, 'retry'], [3500, 'retry']]);
  t.is(errors.length, 3);
  // Requests made during the back-off wait for it too.
  failuresLeft = 1;
  runner.run();
  await clock.advance(0);
  t.deepEqual(calls.at(-1), [10_000, 'requested']);
  runner.run();
  await clock.advance(400);
  t.is(calls.length, 5);
  await clock.advance(100);
  t.deepEqual(calls.at(-1), [10_500, 'retry']);
  await runner.stop();
});

test('requests made before start() run once it starts', async (t) => {
  const clock = new FakeClock();
  const calls: SyncReason[] = [];
  const runner = new BoundedFrequencyRunner(async (reason) => void calls.push(reason), { clock });
  runner.run();
  await clock.advance(2000);
  t.deepEqual(calls, []);
  runner.start();
  await clock.advance(0);
  t.deepEqual(calls, ['requested']);
  await runner.stop();
});
