// `lab test`: checks the code's structure (structureChecks), runs ava over the compiled
// tests (the default set, then the exclusive one), then the IPVS suite inside the kernel VM,
// and ends with one line "N passed, N failed, N skipped" over all of them, that CI reads.
import { execa } from 'execa';
import path from 'node:path';
import { home } from '../lab/state.js';

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

export interface Run {
  summary: Summary;
  exitCode: number;
}

/** Runs a test command, its output streaming through, and counts its results. */
async function counted(file: string, args: string[]): Promise<Run> {
  const child = execa(file, args, { cwd: home, reject: false, all: true, env: { FORCE_COLOR: '0' } });
  child.all?.pipe(process.stdout);
  const r = await child;
  return { summary: summarize(r.all ?? '', r.exitCode ?? 1), exitCode: r.exitCode ?? 1 };
}

/**
 * The structure checks, each counted as one test: imports point down the layers with no cycle
 * (dependency-cruiser, rules in .dependency-cruiser.cjs) and nothing is exported that no other module uses.
 */
export const structureChecks: { name: string; bin: string; args: string[] }[] = [
  { name: 'imports: no cycles, layers point down', bin: 'depcruise', args: ['src', 'images', 'test'] },
  // Entry points (the processes the lab starts, the tests) are listed in knip.json.
  { name: 'exports: none unused, no unused files', bin: 'knip', args: ['--no-progress'] },
];

export async function checkStructure(log: (line: string) => void = console.log): Promise<Run> {
  const runs: Run[] = [];
  for (const c of structureChecks) {
    const r = await execa(path.join(home, 'node_modules', '.bin', c.bin), c.args, { cwd: home, reject: false, all: true, env: { FORCE_COLOR: '0' } });
    const ok = r.exitCode === 0;
    log(`${ok ? '✔' : '✘ [fail]:'} structure › ${c.name}`);
    if (!ok) log(r.all);
    runs.push({ summary: { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 }, exitCode: r.exitCode ?? 1 });
  }
  return { summary: total(runs.map((r) => r.summary)), exitCode: runs.some((r) => r.exitCode !== 0) ? 1 : 0 };
}

const ava = (args: string[]): Promise<Run> => counted(path.join(home, 'node_modules', '.bin', 'ava'), args);

// Tests that act on every lab of the host (lab clean) run alone, after the rest (ava.exclusive.config.js).
const exclusive = ['--config', 'ava.exclusive.config.js'];

/**
 * Why this machine cannot boot the kernel VM (undefined: it can). scripts/kernel-vm/setup installs
 * what is missing; it fails when it cannot (not root, no apt, no network).
 */
async function vmUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "the kernel VM needs root (qemu shares / with the guest under the host user's permissions)";
  // What it installs shows; why it failed (its stderr) becomes the reason line.
  const setup = execa(path.join(home, 'scripts', 'kernel-vm', 'setup'), { reject: false });
  setup.stdout?.pipe(process.stdout);
  const r = await setup;
  if (r.exitCode === 0) return undefined;
  return r.stderr.trim().split('\n').at(-1) || `scripts/kernel-vm/setup failed (exit ${r.exitCode})`;
}

/**
 * The IPVS suite in the kernel VM (`lab vm test ipvs`): this kernel has no IPVS. Outside CI a machine
 * that cannot run the VM skips it with one reason line; under CI it runs, and a VM that cannot boot fails.
 */
async function ipvsInVm(): Promise<Run> {
  const reason = process.env.CI ? undefined : await vmUnavailable();
  if (reason) {
    console.log(`skipping the IPVS suite in the kernel VM: ${reason}`);
    return { summary: { passed: 0, failed: 0, skipped: 1 }, exitCode: 0 };
  }
  return counted(process.execPath, [path.join(home, 'dist', 'src', 'cli', 'main.js'), 'vm', 'test', 'ipvs']);
}

export function total(summaries: Summary[]): Summary {
  return summaries.reduce((a, s) => ({ passed: a.passed + s.passed, failed: a.failed + s.failed, skipped: a.skipped + s.skipped }), { passed: 0, failed: 0, skipped: 0 });
}

export function summaryLine(s: Summary): string {
  return `${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`;
}

export async function runTests(patterns: string[]): Promise<number> {
  const runs = patterns.length > 0 ? [await ava(patterns)] : [await checkStructure(), await ava([]), await ava(exclusive), await ipvsInVm()];
  console.log(summaryLine(total(runs.map((r) => r.summary))));
  return runs.some((r) => r.exitCode !== 0) ? 1 : 0;
}
