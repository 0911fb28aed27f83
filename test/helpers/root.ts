// End-to-end tests need root. Outside CI they skip with a printed reason;
// under CI=true a missing root is a failure, never a silent skip.
import type { TestFn } from 'ava';

export const isRoot = process.getuid?.() === 0;
export const inCI = process.env.CI === 'true';

/** Returns ava's test or test.skip; prints why once when skipping. */
export function e2e<T>(test: TestFn<T>): TestFn<T> {
  if (isRoot) return test;
  if (inCI) throw new Error('end-to-end tests need root and CI=true forbids skipping them');
  console.log('skipping end-to-end tests: they need root (network namespaces, kernel rules); run ./lab test as root');
  return test.skip as unknown as TestFn<T>;
}
