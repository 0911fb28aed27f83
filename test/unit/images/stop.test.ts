import test from 'ava';
import { once } from 'node:events';
import { start } from './run.js';

const PROGRAMS = ['lab/hello', 'lab/echo', 'bretfisher/httpenv', 'pgolard/ms-hello:v4', 'pgolard/ms-bye:v4', 'pgolard/multcont-morning:v3', 'pgolard/multcont-afternoon:v3'];

for (const image of PROGRAMS) {
  test(`${image} exits at once on SIGTERM`, async (t) => {
    const program = await start(t, image);
    const exited = once(program.child, 'exit');
    const sent = Date.now();
    program.child.kill('SIGTERM');
    const [code] = await exited;
    t.is(code, 0);
    t.true(Date.now() - sent < 1000);
  });
}
