import test from 'ava';
import { summarize } from '../../../src/cli/test.js';

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
