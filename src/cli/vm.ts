// `lab vm`: runs commands, the IPVS end-to-end tests or the proxy-mode
// benchmark inside a VM booted from Debian's kernel (src/vm), for what this
// machine's kernel lacks (IPVS, the dummy driver).
import { execa } from 'execa';
import path from 'node:path';
import { home } from '../lab/state.js';
import { guestOut, runVm } from '../vm/qemu.js';
import { type Command, parse, UsageError } from './args.js';
import { summarize, summaryLine } from './test.js';

const minutes = 60_000;

function wholeNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`lab vm: --${flag} must be a whole number (got "${value}")`);
  return Number(value);
}

/** Installs qemu, the kernel and busybox-static when missing (scripts/kernel-vm/setup). */
async function setup(): Promise<void> {
  await execa(path.join(home, 'scripts', 'kernel-vm', 'setup'), { stdio: 'inherit' });
}

async function inVm(command: string[], opts: { timeoutMs: number; memoryMb?: number; outDir?: string; env?: Record<string, string>; onLine?: (line: string) => void }): Promise<number> {
  await setup();
  const started = Date.now();
  const env = { ...(process.env.CI ? { CI: process.env.CI } : {}), ...opts.env };
  const r = await runVm({ command, cwd: process.cwd(), env, timeoutMs: opts.timeoutMs, memoryMb: opts.memoryMb, outDir: opts.outDir, onLine: opts.onLine ?? ((l) => console.log(l)) });
  console.log(`svclab vm: booted in ${r.bootSeconds ?? '?'} s, exit status ${r.exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.exitCode;
}

async function testIpvs(patterns: string[]): Promise<number> {
  const lines: string[] = [];
  const command = [path.join(home, 'node_modules', '.bin', 'ava'), '--config', path.join(home, 'ava.ipvs.config.js'), ...patterns];
  const exitCode = await inVm(command, {
    timeoutMs: 25 * minutes,
    env: { FORCE_COLOR: '0' },
    onLine: (l) => {
      lines.push(l);
      console.log(l);
    },
  }).catch((e: Error) => {
    console.error(`lab vm test: ${e.message}`);
    return 1;
  });
  const s = summarize(lines.join('\n'), exitCode);
  console.log(summaryLine(s));
  return exitCode === 0 ? 0 : 1;
}

export const vmCommand: Command = {
  summary: "run inside a VM booted from Debian's kernel (IPVS, dummy): `vm test ipvs`, `vm bench`, `vm run -- CMD`",
  usage: 'test ipvs [ava patterns...] | bench [--sizes 100,1000,10000] [--out DIR] | run [--memory MB] [--timeout MINUTES] [--out DIR] -- COMMAND...',
  async run(argv) {
    const [what, ...rest] = argv;
    switch (what) {
      case 'test': {
        const [suite, ...patterns] = rest;
        if (suite !== 'ipvs') throw new UsageError(`lab vm test: unknown suite "${suite ?? ''}" (available: ipvs)`);
        return testIpvs(patterns);
      }
      case 'bench': {
        const { values } = parse('vm bench', rest, { sizes: { type: 'string', default: '100,1000,10000' }, out: { type: 'string', default: path.join(home, 'bench-results') } });
        const command = [process.execPath, path.join(home, 'dist', 'src', 'bench', 'proxy-kernel.js'), '--sizes', values.sizes, '--out', `${guestOut}/proxy-kernel.json`];
        return inVm(command, { timeoutMs: 40 * minutes, outDir: values.out });
      }
      case 'run': {
        const dash = rest.indexOf('--');
        if (dash < 0 || dash === rest.length - 1) throw new UsageError('lab vm run: give the command after --, e.g. lab vm run -- ipvsadm -Ln');
        const { values } = parse('vm run', rest.slice(0, dash), { memory: { type: 'string', default: '3072' }, timeout: { type: 'string', default: '60' }, out: { type: 'string' } });
        return inVm(rest.slice(dash + 1), { timeoutMs: wholeNumber('timeout', values.timeout) * minutes, memoryMb: wholeNumber('memory', values.memory), outDir: values.out });
      }
      default:
        throw new UsageError(`lab vm: unknown subcommand "${what ?? ''}" (available: test ipvs, bench, run)`);
    }
  },
};
