import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { home } from '../../../src/lab/state.js';
import { tempDir } from '../../helpers/tmp.js';
import { checkStructure, structureChecks, summarize, summaryLine, total } from '../../../src/cli/test.js';

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

test('the structure checks pass on this tree, each counted as one passed test', async (t) => {
  const lines: string[] = [];
  const run = await checkStructure((l) => lines.push(l));
  t.deepEqual(run.summary, { passed: structureChecks.length, failed: 0, skipped: 0 });
  t.is(run.exitCode, 0, lines.join('\n'));
});

/** Runs a structure check's tool in a throwaway tree of these files (path -> content). */
async function checkIn(t: ExecutionContext, bin: string, files: Record<string, string>, args: string[]): Promise<{ exitCode?: number; stdout: string }> {
  const dir = tempDir(t);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  t.truthy(structureChecks.find((c) => c.bin === bin), `${bin} is one of the checks`);
  return execa(path.join(home, 'node_modules', '.bin', bin), args, { cwd: dir, reject: false });
}

test('the import check fails on a cycle and on an import up the layers', async (t) => {
  const r = await checkIn(t, 'depcruise', {
    'src/agent/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n",
    'src/agent/b.ts': "import { a } from './a.js';\nimport { up } from '../lab/lifecycle.js';\nexport const b = (): number => a() + up;\n",
    'src/lab/lifecycle.ts': 'export const up = 1;\n',
  }, ['--config', path.join(home, '.dependency-cruiser.cjs'), 'src']);
  t.not(r.exitCode, 0);
  t.regex(r.stdout, /no-circular: src\/agent\/a\.ts/);
  t.regex(r.stdout, /components-below-the-lab: src\/agent\/b\.ts → src\/lab\/lifecycle\.ts/);
});

test('the export check fails on an export no other module uses and on a file nothing imports', async (t) => {
  const r = await checkIn(t, 'knip', {
    'package.json': '{"name":"x","type":"module"}\n',
    'src/cli/main.ts': "import { used } from '../lib.js';\nconsole.log(used());\n",
    'src/lib.ts': 'export function used(): number {\n  return helper();\n}\nexport function helper(): number {\n  return 1;\n}\n',
    'src/orphan.ts': 'export const orphan = 1;\n',
    'knip.json': fs.readFileSync(path.join(home, 'knip.json'), 'utf8'),
  }, ['--no-progress']);
  t.not(r.exitCode, 0);
  t.regex(r.stdout, /Unused files[^]*src\/orphan\.ts/);
  t.regex(r.stdout, /Unused exports[^]*helper\s+function\s+src\/lib\.ts/);
});
