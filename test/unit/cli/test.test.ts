import test from 'ava';
import { summarize, summaryLine, total } from '../../../src/cli/test.js';

test("ava's closing lines become passed, failed and skipped counts", (t) => {
  t.deepEqual(summarize('  ✔ a\n  ─\n\n  12 tests passed\n  2 tests skipped\n', 0), { passed: 12, failed: 0, skipped: 2 });
  t.deepEqual(summarize('  1 test failed\n  3 tests passed\n  1 uncaught exception\n', 1), { passed: 3, failed: 2, skipped: 0 });
});

test('a failing run with no count is never reported as green', (t) => {
  t.deepEqual(summarize('Error: worker crashed\n', 1), { passed: 0, failed: 1, skipped: 0 });
});

test('with failures ava omits the passed count, so the test lines are counted', (t) => {
  const out = ['  ✔ a › one', '  ✔ a › two', '  ✘ [fail]: b › three Error', '  - [skip] c › four', '  ─', '', '  1 test failed', '  1 test skipped'].join('\n');
  t.deepEqual(summarize(out, 1), { passed: 2, failed: 1, skipped: 1 });
});

test("the kernel VM's output counts its ava lines once, not its own summary or boot lines", (t) => {
  const out = ['  ✔ backend › one (6.6s)', '  ✔ lab › two (1s)', '  - [skip] dataplane › three', '  ─', '', '  2 tests passed', '  1 test skipped', 'svclab vm: booted in 4.31 s, exit status 0 after 179.5 s', '2 passed, 0 failed, 1 skipped'].join('\n');
  t.deepEqual(summarize(out, 0), { passed: 2, failed: 0, skipped: 1 });
});

test('the final line sums the default, exclusive and kernel VM runs', (t) => {
  const runs = [
    { passed: 120, failed: 1, skipped: 2 },
    { passed: 3, failed: 0, skipped: 0 },
    { passed: 0, failed: 0, skipped: 1 },
  ];
  t.deepEqual(total(runs), { passed: 123, failed: 1, skipped: 3 });
  t.is(summaryLine(total(runs)), '123 passed, 1 failed, 3 skipped');
  t.is(summaryLine(total([{ passed: 4, failed: 0, skipped: 0 }])), '4 passed, 0 failed');
  t.deepEqual(total([]), { passed: 0, failed: 0, skipped: 0 });
});
