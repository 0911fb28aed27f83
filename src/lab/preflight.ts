// Checks before a lab is built, each failure one clear sentence.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { execa } from 'execa';
import { proxyModeInfo, type ProxyMode } from '../agent/proxy/modes.js';
import { UserError } from '../util/errors.js';
import { etcdBinary } from './etcd.js';
import type { StoreName } from './plan.js';

export class PreflightError extends UserError {}

export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) throw new PreflightError(`lab ${command} needs root (it creates network namespaces and kernel rules); run it with sudo`);
}

async function hasCommand(cmd: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${cmd}`], { reject: false })).exitCode === 0;
}

/** A kernel module is usable when it is loaded, built in, or loadable (modprobe dry run). */
async function hasModule(name: string): Promise<boolean> {
  if (fs.existsSync(`/sys/module/${name}`)) return true;
  const r = await execa('modprobe', ['-n', '-q', name], { reject: false });
  return r.exitCode === 0;
}

export async function proxyModeProblems(mode: ProxyMode): Promise<string[]> {
  const info = proxyModeInfo[mode];
  const missing: string[] = [];
  for (const m of info.kernelModules) if (!(await hasModule(m))) missing.push(m);
  if (missing.length > 0) {
    return [`proxy mode ${mode} needs kernel modules ${missing.join(', ')}, which this kernel (${os.release()}) does not have; use iptables, nftables or nftables-maps here, or run it in a VM with Debian's kernel: ./lab vm run -- ./lab demo --proxy-mode ${mode} (tests: ./lab vm test ${mode})`];
  }
  for (const tool of info.tools) if (!(await hasCommand(tool.command))) return [`proxy mode ${mode} needs ${tool.command} (apt-get install ${tool.apt})`];
  return [];
}

export function storeProblems(store: StoreName | undefined): string[] {
  if (store === 'etcd' && !fs.existsSync(etcdBinary)) return [`--store etcd needs ${etcdBinary} (apt-get install etcd-server etcd-client, or run scripts/setup)`];
  return [];
}

/** The lab's certificates are made with the system's openssl. */
export async function pkiProblems(): Promise<string[]> {
  return (await hasCommand('openssl')) ? [] : ["the 'openssl' command is missing; it makes the lab's certificates (apt-get install openssl)"];
}

/** `--listen ADDR:PORT`: the address must be this host's and the port free (tried by binding it a moment). */
export async function listenProblems(listen: { ip: string; port: number } | undefined, etcdPorts: number[] = []): Promise<string[]> {
  if (!listen) return [];
  const problems: string[] = [];
  for (const [port, what] of [[listen.port, `--listen ${listen.ip}:${listen.port}`], ...etcdPorts.map((p) => [p, `etcd's port ${listen.ip}:${p}`] as const)] as const) {
    const why = await new Promise<string | undefined>((resolve) => {
      const s = net.createServer();
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRNOTAVAIL' ? 'is not an address of this host' : e.code === 'EADDRINUSE' ? 'is taken by another program' : e.message));
      s.listen(port, listen.ip, () => s.close(() => resolve(undefined)));
    });
    if (why) problems.push(`${what} ${why}`);
  }
  return problems;
}
