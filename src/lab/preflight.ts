// Checks before a lab is built, each failure one clear sentence.
import fs from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import type { ProxyMode } from './plan.js';

export class PreflightError extends Error {}

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
  switch (mode) {
    case 'iptables':
    case 'userspace':
      return (await hasCommand('iptables-restore')) ? [] : [`proxy mode ${mode} needs iptables-restore (apt-get install iptables)`];
    case 'nftables':
      return (await hasCommand('nft')) ? [] : ['proxy mode nftables needs the nft command (apt-get install nftables)'];
    case 'ipvs': {
      const modules = ['ip_vs', 'ip_vs_rr', 'dummy'];
      const missing: string[] = [];
      for (const m of modules) if (!(await hasModule(m))) missing.push(m);
      if (missing.length > 0) {
        return [`proxy mode ipvs needs kernel modules ${missing.join(', ')}, which this kernel (${os.release()}) does not have; use iptables or nftables here, or run it in a VM with Debian's kernel: ./lab vm run -- ./lab demo --proxy-mode ipvs (tests: ./lab vm test ipvs)`];
      }
      for (const tool of ['ipvsadm', 'ipset']) if (!(await hasCommand(tool))) return [`proxy mode ipvs needs ${tool} (apt-get install ${tool})`];
      return [];
    }
  }
}
