// The dns process entry: flags, static-zone mode end to end, clean exit on SIGTERM.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp.js';
import { dig } from './fixtures.js';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/dns/main.js');

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('static mode serves the zone file on --listen over UDP and TCP and exits on SIGTERM', async (t) => {
  const file = path.join(tempDir(t), 'outside.yaml');
  fs.writeFileSync(file, 'my.database.example.com: A 203.0.113.10\n');
  // A port free for UDP may be taken for TCP by the time the server binds both (other tests run
  // alongside): then the server exits, and another port is tried.
  const start = async (): Promise<{ child: ChildProcess; port: number } | undefined> => {
    const port = await freePort();
    const child = spawn(process.execPath, [main, '--zone-file', file, '--listen', `127.0.0.1:${port}`, '--ttl', '60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => child.kill('SIGKILL'));
    const serving = await new Promise<boolean>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('serving') && resolve(true));
      child.once('exit', () => resolve(false));
    });
    return serving ? { child, port } : undefined;
  };
  let server: { child: ChildProcess; port: number } | undefined;
  for (let i = 0; i < 5 && !server; i++) server = await start();
  if (!server) return t.fail('the dns server did not start on any of 5 free ports');
  const { child, port } = server;
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(port, 'my.database.example.com', 'A', transport);
    t.deepEqual(r.answer, [{ name: 'my.database.example.com.', ttl: 60, type: 'A', data: '203.0.113.10' }]);
  }
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  t.is(await exited, 0);
});

test('main refuses to start without exactly one mode or with bad flags', (t) => {
  const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 10_000 });
  const none = run();
  t.is(none.status, 2);
  t.regex(none.stderr, /exactly one of --server .* or --zone-file/);
  t.is(run('--server', 'http://127.0.0.1:1', '--zone-file', '/dev/null').status, 2);
  t.regex(run('--zone-file', '/dev/null', '--ttl', 'soon').stderr, /bad --ttl/);
  t.regex(run('--zone-file', '/dev/null', '--lameduck', 'soon').stderr, /bad --lameduck soon/);
  t.regex(run('--zone-file', '/dev/null', '--listen', 'nowhere:53').stderr, /bad address nowhere:53/);
});
