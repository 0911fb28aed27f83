// The kernel VM's initramfs: a gzipped newc cpio archive holding a static
// busybox, the stage-1 init (scripts/kernel-vm/init) and the modules it needs
// to mount the host's root over 9p with an overlay on top, with their
// dependencies from the kernel's modules.dep.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** What stage 1 loads, in this order after their dependencies. */
const bootModules = ['virtio_pci', '9pnet_virtio', '9p', 'overlay'];

/** Module files (relative to the modules dir) for `names` and everything they depend on, dependencies first. */
export function moduleClosure(modulesDep: string, names: string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const [file, rest] = line.split(':');
    if (!file || rest === undefined) continue;
    deps.set(file, rest.trim() ? rest.trim().split(/\s+/) : []);
    byName.set(path.basename(file).replace(/\.ko(\.\w+)?$/, '').replaceAll('-', '_'), file);
  }
  const order: string[] = [];
  const visit = (file: string): void => {
    if (order.includes(file)) return;
    for (const d of deps.get(file) ?? []) visit(d);
    order.push(file);
  };
  for (const name of names) {
    const file = byName.get(name.replaceAll('-', '_'));
    if (!file) throw new Error(`kernel module ${name} is not in modules.dep`);
    visit(file);
  }
  return order;
}

export type Entry = { path: string; type: 'dir' } | { path: string; type: 'file'; data: Buffer; mode: number } | { path: string; type: 'char'; mode: number; major: number; minor: number };

const typeBits = { dir: 0o040000, file: 0o100000, char: 0o020000 };

/** A newc ("070701") cpio archive, what the kernel unpacks as initramfs. */
export function newcArchive(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  const push = (b: Buffer): void => {
    parts.push(b);
    offset += b.length;
  };
  const pad = (): void => {
    if (offset % 4) push(Buffer.alloc(4 - (offset % 4)));
  };
  const record = (name: string, mode: number, data: Buffer, ino: number, rdev: [number, number] = [0, 0]): void => {
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], Buffer.byteLength(name) + 1, 0];
    push(Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}${name}\0`));
    pad();
    push(data);
    pad();
  };
  entries.forEach((e, i) => {
    const perm = e.type === 'dir' ? 0o755 : e.mode;
    const data = e.type === 'file' ? e.data : Buffer.alloc(0);
    record(e.path, typeBits[e.type] | perm, data, i + 1, e.type === 'char' ? [e.major, e.minor] : undefined);
  });
  record('TRAILER!!!', 0, Buffer.alloc(0), 0);
  return Buffer.concat(parts);
}

/** True when the ELF file has no program interpreter (a static binary). */
export function isStaticElf(file: Buffer): boolean {
  if (file.readUInt32BE(0) !== 0x7f454c46 || file[4] !== 2) return false;
  const phoff = Number(file.readBigUInt64LE(0x20));
  const phentsize = file.readUInt16LE(0x36);
  const phnum = file.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (file.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  return true;
}

export function buildInitramfs(opts: { modulesDir: string; busybox: string; init: string }): Buffer {
  const busybox = fs.readFileSync(opts.busybox);
  if (!isStaticElf(busybox)) throw new Error(`${opts.busybox} is not a static binary (apt-get install busybox-static)`);
  const modules = moduleClosure(fs.readFileSync(path.join(opts.modulesDir, 'modules.dep'), 'utf8'), bootModules);
  const compressed = modules.find((m) => !m.endsWith('.ko'));
  if (compressed) throw new Error(`compressed kernel modules (${compressed}) are not supported by the initramfs builder`);
  const entries: Entry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'lower', 'rw', 'newroot', 'modules'].map((p) => ({ path: p, type: 'dir' as const })),
    { path: 'dev/console', type: 'char', mode: 0o600, major: 5, minor: 1 },
    { path: 'bin/busybox', type: 'file', data: busybox, mode: 0o755 },
    { path: 'init', type: 'file', data: fs.readFileSync(opts.init), mode: 0o755 },
    ...modules.map((m) => ({ path: `modules/${path.basename(m)}`, type: 'file' as const, data: fs.readFileSync(path.join(opts.modulesDir, m)), mode: 0o644 })),
    { path: 'modules/order', type: 'file', data: Buffer.from(`${modules.map((m) => path.basename(m)).join('\n')}\n`), mode: 0o644 },
  ];
  return gzipSync(newcArchive(entries), { level: 1 });
}
