// Runs one command inside a throwaway VM booted from the host's Debian kernel
// under qemu-system-x86_64 with TCG (no KVM here). The guest's root is the
// host's own, read-only over 9p with a tmpfs overlay (scripts/kernel-vm), so
// it has the same node, repository and tools. The command's output streams
// back over the serial console; the guest ends it with "SVCLAB_VM_EXIT <n>".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { home } from '../lab/state.js';
import { withoutNodeModulesBin } from '../net/tools.js';
import { buildInitramfs } from './initramfs.js';
import { findKernel } from './kernel.js';

class VmError extends Error {}

export interface VmRun {
  command: string[];
  cwd: string;
  /** Extra environment for the command (PATH and SVCLAB_VM* are set anyway). */
  env?: Record<string, string>;
  /** Where the files the command writes to $SVCLAB_VM_OUT end up on the host. */
  outDir?: string;
  memoryMb?: number;
  cpus?: number;
  timeoutMs?: number;
  /** Each line the command prints (the console's boot noise is left out). */
  onLine?: (line: string) => void;
}

export interface VmResult {
  exitCode: number;
  /** Seconds from power-on to the job starting, as the guest saw them. */
  bootSeconds?: number;
}

const scripts = path.join(home, 'scripts', 'kernel-vm');
const exitMarker = /^SVCLAB_VM_EXIT (\d+)$/;
const readyMarker = /^svclab-vm: ready after ([\d.]+) s/;
export const guestOut = '/run/svclab-vm/out';

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** The job script stage 2 runs: cwd, environment, then the command. */
export function jobScript(o: Pick<VmRun, 'command' | 'cwd' | 'env'>): string {
  // TERM=linux (the console's) would make tools fall back to ASCII symbols; the output ends up on the host's terminal.
  const env = { PATH: withoutNodeModulesBin(process.env.PATH) || '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', HOME: '/root', TERM: 'dumb', SVCLAB_VM: '1', SVCLAB_VM_OUT: guestOut, ...o.env };
  return [
    `cd ${quote(o.cwd)} || exit 125`,
    ...Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`),
    `exec ${o.command.map(quote).join(' ')}`,
    '',
  ].join('\n');
}

export function qemuArgv(o: { kernel: string; initrd: string; jobDir: string; memoryMb: number; cpus: number; cwd: string }): string[] {
  return [
    'qemu-system-x86_64',
    ...['-accel', 'tcg', '-m', String(o.memoryMb), '-smp', String(o.cpus)],
    ...['-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot'],
    ...['-kernel', o.kernel, '-initrd', o.initrd],
    ...['-append', `console=ttyS0 quiet loglevel=3 panic=-1 svclab_guest=${path.join(scripts, 'guest')} svclab_cwd=${o.cwd}`],
    ...['-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap'],
    ...['-virtfs', `local,path=${o.jobDir},mount_tag=job,security_model=none`],
  ];
}

/**
 * Splits the serial console's bytes into lines (without the console's \r), decoding UTF-8 as a
 * stream so that a character split across two reads (ava's ✔) stays whole.
 */
export function consoleLines(onLine: (line: string) => void): (chunk: Buffer) => void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return (chunk) => {
    const lines = (pending + decoder.write(chunk)).split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine(line.replace(/\r$/, ''));
  };
}

export async function runVm(o: VmRun): Promise<VmResult> {
  const kernel = findKernel();
  if (!kernel) throw new VmError('no installed kernel with IPVS modules (/boot/vmlinuz-* and /lib/modules/*/kernel/net/netfilter/ipvs); run scripts/kernel-vm/setup');
  const jobDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-vm-'));
  try {
    const initrd = path.join(jobDir, 'initrd.gz');
    fs.writeFileSync(initrd, buildInitramfs({ modulesDir: kernel.modulesDir, busybox: '/bin/busybox', init: path.join(scripts, 'init') }));
    fs.writeFileSync(path.join(jobDir, 'job.sh'), jobScript(o));
    fs.mkdirSync(path.join(jobDir, 'out'));
    const result = await boot(qemuArgv({ kernel: kernel.image, initrd, jobDir, memoryMb: o.memoryMb ?? 3072, cpus: o.cpus ?? 2, cwd: o.cwd }), o);
    if (o.outDir) {
      fs.mkdirSync(o.outDir, { recursive: true });
      for (const f of fs.readdirSync(path.join(jobDir, 'out'))) fs.copyFileSync(path.join(jobDir, 'out', f), path.join(o.outDir, f));
    }
    return result;
  } finally {
    fs.rmSync(jobDir, { recursive: true, force: true });
  }
}

function boot(argv: string[], o: VmRun): Promise<VmResult> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const bootLog: string[] = [];
    let started = false;
    let result: VmResult | undefined;
    let bootSeconds: number | undefined;
    qemu.stdout.on('data', consoleLines((line) => {
      const exit = exitMarker.exec(line);
      const ready = readyMarker.exec(line);
      if (result) return; // the kernel's power-off message
      if (exit) result = { exitCode: Number(exit[1]), bootSeconds };
      else if (ready) {
        started = true;
        bootSeconds = Number(ready[1]);
      } else if (started) o.onLine?.(line);
      else bootLog.push(line);
    }));
    const stderr: string[] = [];
    qemu.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
    const stop = (): void => void qemu.kill('SIGKILL');
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const timer = o.timeoutMs ? setTimeout(() => {
      o.onLine?.(`svclab vm: no exit status after ${o.timeoutMs! / 1000} s; stopping the VM`);
      stop();
    }, o.timeoutMs) : undefined;
    qemu.on('error', (e) => reject(new VmError(`cannot start qemu: ${e.message} (run scripts/kernel-vm/setup)`)));
    qemu.on('close', (code) => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (result) return resolve(result);
      const why = started ? 'the VM stopped before the command reported its exit status' : `the VM did not boot (qemu exit ${code})`;
      reject(new VmError(`${why}\n${[...bootLog.slice(-30), stderr.join('').trim()].join('\n')}`));
    });
  });
}
