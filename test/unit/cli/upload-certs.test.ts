// `lab upload-certs` and `lab token create --certificate-key`: a malformed key or a key without the
// join command is one clear line and exit 2, before any lab is looked up.
import test from 'ava';
import { execa } from 'execa';
import path from 'node:path';
import { home } from '../../../src/lab/state.js';

const lab = (...args: string[]) => execa(process.execPath, [path.join(home, 'dist', 'src', 'cli', 'main.js'), ...args], { reject: false, env: { SVCLAB_STATE_ROOT: '/nonexistent/svclab-state' } });
const key = 'ab'.repeat(32);

const cases: [string, string[], RegExp][] = [
  ['upload-certs with a malformed key', ['upload-certs', '--certificate-key', 'xyz'], /lab upload-certs: --certificate-key must be 64 hexadecimal digits \(32 bytes\), or leave it out for a new one \(got "xyz"\)/],
  ['token create with a key but no join command', ['token', 'create', '--certificate-key', key], /lab token create: --certificate-key goes with --print-join-command/],
  ['token create with a malformed key', ['token', 'create', '--print-join-command', '--certificate-key', key.slice(2)], /lab token create: --certificate-key must be 64 hexadecimal digits/],
];

for (const [name, args, message] of cases) {
  test(`lab refuses ${name} with one clear line, exit 2`, async (t) => {
    const r = await lab(...args);
    t.is(r.exitCode, 2);
    t.regex(String(r.stderr), message);
    t.is(String(r.stderr).trim().split('\n').length, 1);
  });
}
