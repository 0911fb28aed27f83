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

/**
 * Counts ava's per-test lines ("✔ ...", "✘ [fail]: ...", "- [skip] ..."); its closing lines
 * ("12 tests passed", "1 test failed", "2 uncaught exceptions", ...) are a floor, since
 * with failures ava leaves the passed count out.
 */
export function summarize(output: string, exitCode: number): Summary {
  const count = (re: RegExp): number => [...output.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  const lines = (re: RegExp): number => (output.match(re) ?? []).length;
  const passed = Math.max(count(/^\s*(\d+) tests? passed/gm), lines(/^\s*✔ /gm));
  let failed =
    Math.max(count(/^\s*(\d+) tests? failed/gm), lines(/^\s*✘ \[fail\]:/gm)) +
    count(/^\s*(\d+) (?:uncaught exceptions?|unhandled rejections?|tests? remained pending after a timeout)/gm);
  const skipped = Math.max(count(/^\s*(\d+) tests? skipped/gm), lines(/^\s*- \[skip\] /gm)) + count(/^\s*(\d+) tests? todo/gm);
  // ava can stop before counting (a crashed worker, a timeout): never report that as green.
  if (exitCode !== 0 && failed === 0) failed = 1;
  return { passed, failed, skipped };
}

async function ava(args: string[]): Promise<{ summary: Summary; exitCode: number }> {
  const child = execa(path.join(home, 'node_modules', '.bin', 'ava'), args, { cwd: home, reject: false, all: true, env: { FORCE_COLOR: '0' } });
  child.all?.pipe(process.stdout);
  const r = await child;
  return { summary: summarize(r.all ?? '', r.exitCode ?? 1), exitCode: r.exitCode ?? 1 };
}

// Tests that act on every lab of the host (lab clean) run alone, after the rest (ava.exclusive.config.js).
const exclusive = ['--config', 'ava.exclusive.config.js'];

export async function runTests(patterns: string[]): Promise<number> {
  const runs = patterns.length > 0 ? [await ava(patterns)] : [await ava([]), await ava(exclusive)];
  const s = runs.reduce((a, r) => ({ passed: a.passed + r.summary.passed, failed: a.failed + r.summary.failed, skipped: a.skipped + r.summary.skipped }), { passed: 0, failed: 0, skipped: 0 });
  console.log(`${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
  return runs.some((r) => r.exitCode !== 0) ? 1 : 0;
}
