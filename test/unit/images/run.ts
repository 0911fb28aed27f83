// Starts a catalogue image as a real child process on a free port, as the kubelet would.
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { commandLine, resolveImage } from '../../../src/agent/kubelet/catalogue.js';
import { poll } from '../../../src/util/poll.js';

export interface Running {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the program wrote to stdout so far. */
  logs(): string;
}

export function hostIP(): string {
  const addrs = Object.values(os.networkInterfaces()).flat();
  return addrs.find((a) => a?.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

/** args: the container's args for a port (programs that take their port as a flag, not PORT). */
export async function start(t: ExecutionContext<unknown>, image: string, env: Record<string, string> = {}, args?: (port: number) => string[]): Promise<Running> {
  const spec = resolveImage(image);
  if (!spec) throw new Error(`${image} is not in the catalogue`);
  // The free port can be taken (by another test's connection) before the program binds it: it then
  // exits with EADDRINUSE, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const [file, ...argv] = commandLine(spec, { args: args?.(port) });
    const child = spawn(file, argv, { env: { ...spec.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    const up = await poll(async () => (child.exitCode !== null ? 'exited' : (await accepts(port)) && 'listening'), { timeoutMs: 5000, everyMs: 50 });
    if (up === 'listening') return { child, port, url: `http://127.0.0.1:${port}`, logs: () => out };
    if (child.exitCode === null || attempt === 5) throw new Error(`${image} did not start listening on ${port}: ${out}`);
  }
}

/** Waits until the program's stdout has the text (log lines are written after the response). */
export async function logged(t: ExecutionContext<unknown>, running: Running, text: string | RegExp): Promise<void> {
  const seen = (): boolean => (typeof text === 'string' ? running.logs().includes(text) : text.test(running.logs()));
  await poll(seen, { timeoutMs: 1000, everyMs: 25 });
  t.true(seen(), `expected ${String(text)} in:\n${running.logs()}`);
}
