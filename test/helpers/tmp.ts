import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A temporary directory removed when the test ends, whatever the outcome. */
export function tempDir(t: ExecutionContext<unknown>, prefix = 'svclab-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
