import test from 'ava';
import { isStaticElf, moduleClosure, newcArchive } from '../../../src/vm/initramfs.js';
import { compareVersions } from '../../../src/vm/kernel.js';
import { consoleLines, jobScript, qemuArgv } from '../../../src/vm/qemu.js';

const modulesDep = [
  'kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko',
  'kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko',
  'kernel/net/9p/9pnet.ko:',
  'kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko',
  'kernel/fs/netfs/netfs.ko:',
  'kernel/drivers/virtio/virtio.ko:',
  'kernel/drivers/virtio/virtio_ring.ko:',
  'kernel/fs/overlayfs/overlay.ko:',
].join('\n');

test('the initramfs modules come from modules.dep, each after its dependencies, once', (t) => {
  t.deepEqual(moduleClosure(modulesDep, ['9pnet_virtio', '9p', 'overlay']), [
    'kernel/net/9p/9pnet.ko',
    'kernel/drivers/virtio/virtio.ko',
    'kernel/drivers/virtio/virtio_ring.ko',
    'kernel/net/9p/9pnet_virtio.ko',
    'kernel/fs/netfs/netfs.ko',
    'kernel/fs/fscache/fscache.ko',
    'kernel/fs/9p/9p.ko',
    'kernel/fs/overlayfs/overlay.ko',
  ]);
  t.throws(() => moduleClosure(modulesDep, ['ip_vs']), { message: 'kernel module ip_vs is not in modules.dep' });
});

test('the archive is newc cpio: 4-byte aligned records with their names and data, ending with TRAILER!!!', (t) => {
  const archive = newcArchive([
    { path: 'bin', type: 'dir' },
    { path: 'init', type: 'file', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { path: 'dev/console', type: 'char', mode: 0o600, major: 5, minor: 1 },
  ]);
  const records: Array<{ name: string; mode: number; data: string; rdev: string }> = [];
  for (let at = 0; at < archive.length; ) {
    const header = archive.subarray(at, at + 110).toString();
    t.is(header.slice(0, 6), '070701');
    const field = (i: number): number => parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const nameEnd = at + 110 + field(11);
    const dataAt = Math.ceil(nameEnd / 4) * 4;
    records.push({ name: archive.subarray(at + 110, nameEnd - 1).toString(), mode: field(1), data: archive.subarray(dataAt, dataAt + field(6)).toString(), rdev: `${field(9)}:${field(10)}` });
    at = Math.ceil((dataAt + field(6)) / 4) * 4;
  }
  t.deepEqual(records, [
    { name: 'bin', mode: 0o040755, data: '', rdev: '0:0' },
    { name: 'init', mode: 0o100755, data: '#!/bin/sh\n', rdev: '0:0' },
    { name: 'dev/console', mode: 0o020600, data: '', rdev: '5:1' },
    { name: 'TRAILER!!!', mode: 0, data: '', rdev: '0:0' },
  ]);
});

test('a static ELF has no PT_INTERP program header', (t) => {
  const elf = (types: number[]): Buffer => {
    const b = Buffer.alloc(64 + 56 * types.length);
    b.writeUInt32BE(0x7f454c46, 0);
    b[4] = 2;
    b.writeBigUInt64LE(64n, 0x20);
    b.writeUInt16LE(56, 0x36);
    b.writeUInt16LE(types.length, 0x38);
    types.forEach((type, i) => b.writeUInt32LE(type, 64 + i * 56));
    return b;
  };
  t.true(isStaticElf(elf([1, 1, 4])));
  t.false(isStaticElf(elf([6, 3, 1])));
  t.false(isStaticElf(Buffer.from('#!/bin/sh\nexit 0\n'.padEnd(64))));
});

test('the newest kernel wins by numeric version order', (t) => {
  t.deepEqual(['6.1.0-9-amd64', '6.1.0-10-amd64', '5.10.0-28-amd64'].sort(compareVersions), ['5.10.0-28-amd64', '6.1.0-9-amd64', '6.1.0-10-amd64']);
});

test("the job script enters the directory, exports the environment and execs the command, each word quoted", (t) => {
  const script = jobScript({ command: ['sh', '-c', "echo 'hi' $HOME"], cwd: '/work/main', env: { CI: 'true' } });
  const lines = script.trim().split('\n');
  t.is(lines[0], "cd '/work/main' || exit 125");
  t.true(lines.includes("export SVCLAB_VM='1'"));
  t.true(lines.includes("export SVCLAB_VM_OUT='/run/svclab-vm/out'"));
  t.true(lines.includes("export CI='true'"));
  t.is(lines.at(-1), `exec 'sh' '-c' 'echo '\\''hi'\\'' $HOME'`);
});

test('qemu boots the kernel under TCG with the host root read-only and the job share writable', (t) => {
  const argv = qemuArgv({ kernel: '/boot/vmlinuz-6.1.0-56-amd64', initrd: '/tmp/j/initrd.gz', jobDir: '/tmp/j', memoryMb: 3072, cpus: 2, cwd: '/work/main' });
  const after = (flag: string): string[] => argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));
  t.deepEqual(after('-accel'), ['tcg']);
  t.deepEqual(after('-virtfs'), ['local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap', 'local,path=/tmp/j,mount_tag=job,security_model=none']);
  t.regex(after('-append')[0]!, /^console=ttyS0 .*svclab_guest=\S+\/scripts\/kernel-vm\/guest svclab_cwd=\/work\/main$/);
});

test("the console's lines keep a character split across two reads whole and lose the \r", (t) => {
  const lines: string[] = [];
  const feed = consoleLines((l) => lines.push(l));
  const bytes = Buffer.from('  ✔ a › one\r\n  ✔ b\r\npartial');
  const cut = bytes.indexOf(Buffer.from('✔')) + 1; // inside the first ✔'s three bytes
  feed(bytes.subarray(0, cut));
  feed(bytes.subarray(cut));
  t.deepEqual(lines, ['  ✔ a › one', '  ✔ b']);
});
