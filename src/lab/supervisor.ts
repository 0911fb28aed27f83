// The lab's supervisor: one detached process per lab that starts every
// component, restarts any that dies (with back-off) and stops them all on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runtimeFor } from '../runtime/index.js';
import { poll } from '../util/poll.js';
import { componentsFor, type Component } from './components.js';
import { paths, readState, writeJsonAtomic, type ComponentState } from './state.js';

const { values } = parseArgs({ options: { name: { type: 'string' } } });
const name = values.name!;
const state = readState(name);
if (!state) {
  console.error(`supervisor: no lab "${name}"`);
  process.exit(1);
}

interface Running {
  spec: Component;
  child?: ChildProcess;
  state: ComponentState;
  backoffMs: number;
  timer?: NodeJS.Timeout;
}

const logs = paths.logs(name);
fs.mkdirSync(logs, { recursive: true });
const running = new Map<string, Running>();
let stopping = false;

function persist(): void {
  writeJsonAtomic(paths.components(name), [...running.values()].map((r) => r.state));
}

function start(r: Running): void {
  for (const socket of r.spec.sockets ?? []) fs.rmSync(socket, { force: true });
  const log = fs.openSync(path.join(logs, `${r.spec.name}.log`), 'a');
  const [cmd, ...args] = r.spec.argv;
  const child = spawn(cmd!, args, {
    cwd: r.spec.cwd,
    stdio: ['ignore', log, log],
    env: { ...process.env, SVCLAB_LAB: name, SVCLAB_COMPONENT: r.spec.name },
  });
  fs.closeSync(log);
  r.child = child;
  const startedAt = Date.now();
  r.state.pid = child.pid;
  r.state.startedAt = new Date(startedAt).toISOString();
  persist();
  child.on('exit', (code, signal) => {
    r.child = undefined;
    r.state.pid = undefined;
    r.state.lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
    if (stopping) return persist();
    const hold = paths.hold(name, r.spec.name);
    if (fs.existsSync(hold)) {
      // Held down (a test playing a machine that stays down): started again once the file is gone.
      persist();
      console.log(`supervisor: ${r.spec.name} ended (${r.state.lastExit}); held down while ${hold} exists`);
      const waitRelease = (): void => {
        if (stopping) return;
        if (fs.existsSync(hold)) r.timer = setTimeout(waitRelease, 100);
        else start(r);
      };
      r.timer = setTimeout(waitRelease, 100);
      return;
    }
    // Stable for 10 s: the next crash restarts at once; crash loops back off up to 5 s.
    r.backoffMs = Date.now() - startedAt > 10_000 ? 100 : Math.min(r.backoffMs * 2, 5_000);
    r.state.restarts++;
    persist();
    console.log(`supervisor: ${r.spec.name} ended (${r.state.lastExit}); restarting in ${r.backoffMs} ms`);
    r.timer = setTimeout(() => start(r), r.backoffMs);
  });
}

async function waitForSocket(file: string, ms: number): Promise<void> {
  await poll(() => fs.existsSync(file), { timeoutMs: ms, everyMs: 10 });
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const r of running.values()) {
    clearTimeout(r.timer);
    r.child?.kill('SIGTERM');
  }
  const deadline = setTimeout(() => {
    for (const r of running.values()) r.child?.kill('SIGKILL');
    process.exit(0);
  }, 3000);
  const check = setInterval(() => {
    if ([...running.values()].every((r) => !r.child)) {
      clearInterval(check);
      clearTimeout(deadline);
      process.exit(0);
    }
  }, 20);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const specs = componentsFor(state, runtimeFor(state.plan.runtime));
for (const spec of specs) running.set(spec.name, { spec, state: { name: spec.name, restarts: 0 }, backoffMs: 100 });
// etcd (every member, when the lab has it) and the API servers first, so the others find one at their first try.
const first = (prefix: string): Running[] => [...running.values()].filter((r) => r.spec.name === prefix || r.spec.name.startsWith(`${prefix}-host`));
const etcd = first('etcd');
etcd.forEach(start);
// A joined machine runs no API server: its components reach the control plane's.
const apiservers = first('apiserver');
apiservers.forEach(start);
if (apiservers.length) await waitForSocket(paths.socket(name), etcd.length ? 30_000 : 5000);
for (const r of running.values()) if (!r.child && !r.timer) start(r);
console.log(`supervisor: lab ${name} running ${running.size} components`);
