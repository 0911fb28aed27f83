// Which installed kernel the VM boots: the newest /boot/vmlinuz-<version>
// whose modules (/lib/modules/<version>) include IPVS.
import fs from 'node:fs';

export interface Kernel {
  version: string;
  image: string;
  modulesDir: string;
}

/** Version strings compared part by part, numbers numerically ("6.1.0-10" > "6.1.0-9"). */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function findKernel(boot = '/boot', modules = '/lib/modules'): Kernel | undefined {
  const versions = fs.existsSync(boot) ? fs.readdirSync(boot).filter((f) => f.startsWith('vmlinuz-')).map((f) => f.slice('vmlinuz-'.length)) : [];
  const hasIpvs = (v: string): boolean => {
    const dir = `${modules}/${v}/kernel/net/netfilter/ipvs`;
    return fs.existsSync(`${modules}/${v}/modules.dep`) && fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith('ip_vs.ko'));
  };
  const usable = versions.filter(hasIpvs);
  const version = usable.sort(compareVersions).at(-1);
  return version ? { version, image: `${boot}/vmlinuz-${version}`, modulesDir: `${modules}/${version}` } : undefined;
}
