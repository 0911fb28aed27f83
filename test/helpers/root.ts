// End-to-end tests need root. Outside CI they skip with a printed reason;
// under CI=true a missing root is a failure, never a silent skip.
import type { TestFn } from 'ava';
import fs from 'node:fs';

const isRoot = process.getuid?.() === 0;
export const inCI = process.env.CI === 'true';

/** Returns ava's test or test.skip; prints why once when skipping. */
export function e2e<T>(test: TestFn<T>): TestFn<T> {
  if (isRoot) return test;
  if (inCI) throw new Error('end-to-end tests need root and CI=true forbids skipping them');
  console.log('skipping end-to-end tests: they need root (network namespaces, kernel rules); run ./lab test as root');
  return skipping(test);
}

/** ava's test with every test skipped and every hook a no-op (test.skip alone has no hooks). */
function skipping<T>(test: TestFn<T>): TestFn<T> {
  const noop = (): void => undefined;
  const hook = Object.assign(noop, { always: noop, skip: noop });
  const skip = Object.assign((...args: Parameters<TestFn<T>['skip']>) => test.skip(...args), { before: hook, after: hook, beforeEach: hook, afterEach: hook, skip: test.skip, todo: test.todo });
  return Object.assign(skip, { serial: skip, only: skip, failing: skip }) as unknown as TestFn<T>;
}

/** Like e2e(), for tests that need a Docker engine too (DOCKER_HOST honoured). */
export async function dockerE2e<T>(test: TestFn<T>): Promise<TestFn<T>> {
  const it = e2e(test);
  if (!isRoot) return it;
  const { default: Dockerode } = await import('dockerode');
  const why = await new Dockerode().ping().then(
    () => undefined,
    (e: Error) => e.message,
  );
  if (!why) return it;
  if (inCI) throw new Error(`the docker runtime's tests need a Docker engine and CI=true forbids skipping them: ${why}`);
  console.log(`skipping docker runtime tests: no Docker engine answers (${why}); start one (apt-get install docker.io; dockerd &) or set DOCKER_HOST`);
  return skipping(test);
}

/** Like e2e(), for tests that run Debian's etcd (no root needed): skipped with a printed reason only when it is missing outside CI. */
export function withEtcd<T>(test: TestFn<T>, binary: string): TestFn<T> {
  if (fs.existsSync(binary)) return test;
  if (inCI) throw new Error(`${binary} is missing and CI=true forbids skipping the etcd tests; scripts/setup installs etcd-server`);
  console.log(`skipping etcd tests: ${binary} is not installed (apt-get install etcd-server etcd-client, or run scripts/setup)`);
  return skipping(test);
}
