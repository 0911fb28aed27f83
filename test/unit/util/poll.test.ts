import test from 'ava';
import { poll, waitFor } from '../../../src/util/poll.js';

test('poll returns the first value that is not undefined or false', async (t) => {
  let n = 0;
  t.is(await poll(() => (++n === 3 ? `try ${n}` : n === 1 ? false : undefined), { timeoutMs: 5000, everyMs: 1 }), 'try 3');
  t.is(n, 3);
});

test('poll tries at least once, and once more at the deadline, then gives undefined', async (t) => {
  let n = 0;
  t.is(await poll(() => ++n > 100 && n, { timeoutMs: 0 }), undefined);
  t.is(n, 1);
  n = 0;
  const started = Date.now();
  t.is(await poll(() => void n++, { timeoutMs: 60, everyMs: 25 }), undefined);
  t.true(Date.now() - started >= 60);
  t.true(n >= 3, `${n} attempts`);
});

test('an error ends a poll unless errors are retried', async (t) => {
  await t.throwsAsync(poll(() => Promise.reject(new Error('boom')), { timeoutMs: 1000 }), { message: 'boom' });
  let n = 0;
  const flaky = (): number => {
    if (++n < 3) throw new Error('not yet');
    return n;
  };
  t.is(await poll(flaky, { timeoutMs: 1000, everyMs: 1, retryErrors: true }), 3);
});

test('waitFor names what it waited for and the last error when time runs out', async (t) => {
  await t.throwsAsync(
    waitFor('the moon', () => {
      throw new Error('cloudy');
    }, 30, 5),
    { message: 'timed out after 30 ms waiting for the moon (last error: cloudy)' },
  );
  await t.throwsAsync(waitFor('nothing', () => false, 10, 5), { message: 'timed out after 10 ms waiting for nothing' });
  t.is(await waitFor('a value', () => 0), 0, 'zero is a value');
});
