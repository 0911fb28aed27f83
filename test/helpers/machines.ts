// Simulated machines for multi-machine labs (`lab up --listen` on one, `lab join` on others): each
// machine is a network namespace svclab-m<k>-<tag> standing for a machine's own namespace, with lo
// and an eth0 on a routed transit link (198.18.0.128/25, one /30 each, so the `--hosts N`
// simulation's 198.18.0.0/25 links never overlap), and its own state root. Commands run in it with
// nsenter --net only (not `ip netns exec`, whose private mount namespace would hide the namespaces
// a lab makes from everyone else), so the supervisor (setsid) is the machine's own process tree.
import { execa, type Result } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { ipBatch, sysctls } from '../../src/net/ip.js';
import { markRunNetns, removeUnusedNetnsDirs } from '../../src/net/netns-dirs.js';
import { systemTool } from '../../src/net/tools.js';
import { poll } from '../../src/util/poll.js';
import { repo } from './lab.js';

const machinesRoot = '/run/svclab-machines';
const transitBase = [198, 18, 0, 128];

export interface Machine {
  name: string;
  netns: string;
  /** Its own address on the transit network (the lab's outer packets use it). */
  ip: string;
  stateRoot: string;
  /** The `lab` CLI on this machine. */
  lab(args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<Result>;
  /** Any command in the machine's network namespace (with its state root in the environment). */
  run(argv: string[]): Promise<Result>;
}

export interface Machines {
  machines: Machine[];
  /** Cuts (false) or restores (true) a machine's link to the others, at the transit router. */
  setLink(m: Machine, up: boolean): Promise<void>;
  /** Removes every machine, its transit router and state roots (after the labs on them are gone). */
  destroy(): Promise<void>;
}

const addr = (offset: number): string => transitBase.slice(0, 3).join('.') + '.' + (transitBase[3]! + offset);

export async function createMachines(tag: string, count: number): Promise<Machines> {
  const transit = `svclab-mt-${tag}`;
  const machines: Machine[] = [];
  for (let k = 1; k <= count; k++) {
    const netns = `svclab-m${k}-${tag}`;
    const stateRoot = path.join(machinesRoot, netns);
    const env = { FORCE_COLOR: '0', SVCLAB_STATE_ROOT: stateRoot };
    const run = (argv: string[], timeoutMs = 0, input?: string): Promise<Result> =>
      execa(systemTool('nsenter'), [`--net=/run/netns/${netns}`, '--', ...argv], { reject: false, all: true, env, timeout: timeoutMs || undefined, ...(input !== undefined ? { input } : {}) }) as unknown as Promise<Result>;
    machines.push({
      name: `m${k}`,
      netns,
      ip: addr(4 * (k - 1) + 2),
      stateRoot,
      run: (argv) => run(argv),
      lab: (args, opts) => run([process.execPath, path.join(repo, 'dist', 'src', 'cli', 'main.js'), ...args], opts?.timeoutMs, opts?.input),
    });
  }
  const destroy = async (): Promise<void> => {
    for (const ns of [transit, ...machines.map((m) => m.netns)]) await execa(systemTool('ip'), ['netns', 'del', ns], { reject: false });
    for (const m of machines) fs.rmSync(m.stateRoot, { recursive: true, force: true });
    try {
      fs.rmdirSync(machinesRoot);
    } catch {
      /* other machines' roots are there */
    }
    // /run/netns and /etc/netns, if the machines or their labs made them and nothing else uses them now.
    removeUnusedNetnsDirs('svclab-');
  };
  try {
    markRunNetns();
    await ipBatch([`netns add ${transit}`, ...machines.map((m) => `netns add ${m.netns}`)]);
    await ipBatch(['link set lo up', ...machines.flatMap((m, i) => [`link add ${m.name} type veth peer name eth0 netns ${m.netns}`, `addr add ${addr(4 * i + 1)}/30 dev ${m.name}`, `link set ${m.name} up`])], transit);
    await sysctls(transit, { 'net.ipv4.ip_forward': 1 });
    // IPv4 only: no link-local addresses coming and going (tentative, then not) between snapshots.
    await Promise.all(machines.map((m) => sysctls(m.netns, { 'net.ipv6.conf.all.disable_ipv6': 1, 'net.ipv6.conf.default.disable_ipv6': 1 })));
    await Promise.all(machines.map((m, i) => ipBatch(['link set lo up', `addr add ${m.ip}/30 dev eth0`, 'link set eth0 up', `route add default via ${addr(4 * i + 1)}`], m.netns)));
    // Carrier comes a moment after `up`: a machine is ready (and its snapshot stable) once eth0 is UP.
    const up = async (m: Machine): Promise<boolean> => JSON.parse((await execa(systemTool('ip'), ['-j', '-n', m.netns, 'link', 'show', 'eth0'])).stdout)[0]?.operstate === 'UP';
    for (const m of machines) if (!(await poll(() => up(m), { timeoutMs: 5000, everyMs: 20 }))) throw new Error(`${m.netns}: eth0 has no carrier`);
  } catch (e) {
    await destroy();
    throw e;
  }
  const setLink = (m: Machine, up: boolean): Promise<void> => ipBatch([`link set ${m.name} ${up ? 'up' : 'down'}`], transit);
  return { machines, destroy, setLink };
}

/**
 * What a machine holds of a lab named `local`: its namespaces, the machine's own links, addresses and
 * routes, the lab's processes under this machine's state root, and the state root's files.
 */
export async function machineSnapshot(m: Machine, local: string): Promise<string[]> {
  const lines: string[] = [];
  const netns = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : [];
  lines.push(...netns.filter((n) => n.startsWith(`svclab-${local}-`)).map((n) => `netns ${n}`));
  for (const what of [['-o', 'link', 'show'], ['-o', 'addr', 'show'], ['route', 'show', 'table', 'all']]) {
    const r = await execa(systemTool('ip'), ['-n', m.netns, ...what], { reject: false });
    lines.push(...String(r.stdout).split('\n').filter(Boolean).map((l) => `${what[what.length - 2]} ${l.replace(/\s+/g, ' ')}`));
  }
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (env.includes(`SVCLAB_STATE_ROOT=${m.stateRoot}\0`) && env.includes(`SVCLAB_LAB=${local}\0`)) lines.push(`process ${pid}`);
    } catch {
      /* gone */
    }
  }
  const walk = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => [`file ${path.join(dir, d.name)}`, ...(d.isDirectory() ? walk(path.join(dir, d.name)) : [])]) : []);
  lines.push(...walk(m.stateRoot));
  return lines.sort();
}
