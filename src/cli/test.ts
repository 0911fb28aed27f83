// `lab test`: runs ava over the compiled tests and ends with one line
// "N passed, N failed, N skipped" that CI reads.
import { execa } from 'execa';
import path from 'node:path';
import { home } from '../lab/lifecycle.js';

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

/** Reads ava's closing lines ("12 tests passed", "1 test failed", "2 uncaught exceptions", ...). */
export function summarize(output: string, exitCode: number): Summary {
  const count = (re: RegExp): number => [...output.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  const passed = count(/^\s*(\d+) tests? passed/gm);
  let failed = count(/^\s*(\d+) tests? failed/gm) + count(/^\s*(\d+) (?:uncaught exceptions?|unhandled rejections?|tests? remained pending after a timeout)/gm);
  const skipped = count(/^\s*(\d+) tests? skipped/gm) + count(/^\s*(\d+) tests? todo/gm);
  // ava can stop before counting (a crashed worker, a timeout): never report that as green.
  if (exitCode !== 0 && failed === 0) failed = 1;
  return { passed, failed, skipped };
}

export async function runTests(patterns: string[]): Promise<number> {
  const ava = path.join(home, 'node_modules', '.bin', 'ava');
  const child = execa(ava, patterns, { cwd: home, reject: false, all: true, env: { FORCE_COLOR: '0' } });
  child.all?.pipe(process.stdout);
  const r = await child;
  const s = summarize(r.all ?? '', r.exitCode ?? 1);
  console.log(`${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
  return r.exitCode ?? 1;
}
