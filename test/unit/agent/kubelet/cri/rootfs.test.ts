import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemTool } from '../../../../../src/net/tools.js';
import { containerArgv, hostMounts, prepareSandbox, resolveInContainer } from '../../../../../src/agent/kubelet/cri/rootfs.js';

const base = { hostname: 'web', dir: '/s/c/0', setpriv: ['setpriv', '--no-new-privs', '--'], argv: ['sleep', 'infinity'] };

test('a sandboxed container: own UTS, mount and pid namespaces, one mount --all, pivot_root, setpriv, then tini running the program', (t) => {
  const { argv, runs } = containerArgv({ ...base, privileged: false });
  // The host's tools by path: a container's PATH may put busybox's applets first.
  t.deepEqual(argv.slice(0, 7), [systemTool('unshare'), '--uts', '--mount', '--pid', '--fork', '--kill-child=SIGKILL', '--']);
  t.deepEqual(argv.slice(7, 9), ['/bin/sh', '-c']);
  t.deepEqual(argv.slice(10), ['svclab-sandbox', 'web', '/s/c/0', 'setpriv', '--no-new-privs', '--', systemTool('tini'), '--', 'sleep', 'infinity']);
  t.deepEqual(runs, [systemTool('tini'), '--', 'sleep', 'infinity']);
  const script = argv[9]!;
  for (const step of [`${systemTool('mount')} --all --fstab "$2/fstab"`, `${systemTool('pivot_root')} . .`, `${systemTool('umount')} -l .`, 'exec "$@"']) t.true(script.includes(step), step);
  // Four programs in all before setpriv (sh, mount, pivot_root, umount): the rest are shell built-ins.
  const programs = script.split('\n').filter((l) => !l.startsWith('#') && /^\//.test(l.trim()));
  t.is(programs.length, 3, programs.join('\n'));
});

test("a privileged container keeps today's chain: the hostname step, no sandbox, no pid namespace", (t) => {
  const { argv, runs } = containerArgv({ ...base, setpriv: [], privileged: true });
  t.deepEqual(argv, [systemTool('unshare'), '--uts', '--', '/bin/sh', '-c', `${systemTool('hostname')} "$1" && shift && exec "$@"`, 'sh', 'web', 'sleep', 'infinity']);
  t.deepEqual(runs, ['sleep', 'infinity']);
});

test("the host's mounts from mountinfo, escapes undone, the top one of a stack once, automount points left out, with the flags a read-only bind keeps", (t) => {
  const info = [
    '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
    '30 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw',
    '31 22 8:2 / /srv/my\\040data rw,nosuid,nodev,noexec shared:3 - ext4 /dev/sda2 rw',
    '32 22 8:3 / /srv/my\\040data rw shared:4 - ext4 /dev/sda3 rw',
    '33 22 0:40 / /boot/efi rw,relatime shared:5 - autofs systemd-1 rw,fd=55',
  ].join('\n');
  t.deepEqual(hostMounts(info), [
    { target: '/', flags: [] },
    { target: '/dev', flags: ['nosuid'] },
    { target: '/srv/my data', flags: ['nosuid', 'nodev', 'noexec'] },
  ]);
});

test('symlinks resolve as the container sees them: into its own /run, not the host one', (t) => {
  const backing = (p: string): string | undefined => (p === '/run' || p.startsWith('/run/') ? `/backing${p}` : undefined);
  // Debian: /var/run -> /run
  if (fs.lstatSync('/var/run', { throwIfNoEntry: false })?.isSymbolicLink()) t.is(resolveInContainer('/var/run/secrets/kubernetes.io/serviceaccount', backing), '/run/secrets/kubernetes.io/serviceaccount');
  t.is(resolveInContainer('/usr/bin', backing), fs.realpathSync('/usr/bin'));
  t.is(resolveInContainer('/nonexistent/dir', backing), '/nonexistent/dir');
});

test("the sandbox's fstab: the host read-only mount by mount, fresh /proc, the container's own /tmp, /run and /dev, masks, a kept checkout and a read-only volume last", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-rootfs-'));
  const etc = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-etc-'));
  fs.writeFileSync(path.join(etc, 'hosts'), '127.0.0.1 localhost\n');
  t.teardown(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(etc, { recursive: true, force: true });
  });
  const root = path.join(dir, 'root');
  prepareSandbox({
    dir,
    podEtc: etc,
    keep: ['/tmp/ci/svclab', '/usr/lib'],
    mounts: [{ hostPath: etc, containerPath: '/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
    host: [{ target: '/', flags: [] }, { target: '/proc', flags: [] }, { target: '/run', flags: ['nosuid'] }, { target: '/usr', flags: ['nodev'] }],
  });
  const fstab = fs.readFileSync(path.join(dir, 'fstab'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const at = (target: string): string[] => fstab.filter((l) => l.split(' ')[1] === path.join(root, target));
  t.deepEqual(fstab[0], `/ ${root} none bind,ro,nodev 0 0`, 'the root first: pivot_root needs a mount point');
  t.deepEqual(at('/proc'), [`proc ${root}/proc proc nosuid,nodev,noexec 0 0`], 'a fresh /proc, not the host one');
  if (fs.existsSync('/usr')) t.deepEqual(at('/usr'), [`/usr ${root}/usr none bind,ro,nodev 0 0`], 'the host mount keeps its flags, and gets nodev');
  t.deepEqual(at('/run'), [`${dir}/rw/run ${root}/run none bind,nosuid,nodev 0 0`], "the host's /run is not bound, the container's own is");
  t.is(fs.statSync(path.join(dir, 'rw', 'tmp')).mode & 0o7777, 0o1777);
  t.deepEqual(at('/etc/hosts'), [`${etc}/hosts ${root}/etc/hosts none bind,ro 0 0`]);
  if (fs.existsSync('/etc/shadow')) t.deepEqual(at('/etc/shadow'), [`/dev/null ${root}/etc/shadow none bind,ro 0 0`]);
  if (fs.existsSync('/root')) t.regex(at('/root')[0]!, /^\S+\/masks\/\d+ \S+\/root none bind,ro,nosuid,nodev,noexec 0 0$/);
  // The checkout under /tmp is shown again (its mount point made in the container's /tmp); /usr/lib is visible anyway.
  t.deepEqual(at('/tmp/ci/svclab'), [`/tmp/ci/svclab ${root}/tmp/ci/svclab none bind,ro 0 0`]);
  t.true(fs.statSync(path.join(dir, 'rw', 'tmp', 'ci', 'svclab')).isDirectory());
  t.deepEqual(at('/usr/lib'), []);
  t.is(fstab.at(-1), `${etc} ${root}/run/secrets/kubernetes.io/serviceaccount none bind,ro,nosuid,nodev 0 0`);
  t.true(fs.statSync(path.join(dir, 'rw', 'run', 'secrets', 'kubernetes.io', 'serviceaccount')).isDirectory(), 'the mount point is made in the container’s own /run');
  t.is(fs.readlinkSync(path.join(dir, 'rw', 'dev', 'ptmx')), 'pts/ptmx');
});

test('a volume under /proc, or at a path the node lacks in its read-only tree, is refused before anything starts', (t) => {
  const dirs: string[] = [];
  t.teardown(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const plan = (): { dir: string; podEtc: string; keep: string[]; host: { target: string; flags: string[] }[] } => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-rootfs-'));
    dirs.push(dir);
    return { dir, podEtc: dir, keep: [], host: [{ target: '/', flags: [] }] };
  };
  t.throws(() => prepareSandbox({ ...plan(), mounts: [{ hostPath: '/usr', containerPath: '/proc/x', readOnly: true }] }), { message: /cannot mount at \/proc\/x/ });
  t.throws(() => prepareSandbox({ ...plan(), mounts: [{ hostPath: '/usr', containerPath: '/nonexistent-svclab/x', readOnly: true }] }), { message: /\/nonexistent-svclab does not exist on the node/ });
  t.throws(() => prepareSandbox({ ...plan(), mounts: [{ hostPath: '/nonexistent-svclab', containerPath: '/run/x', readOnly: true }] }), { message: /cannot mount \/nonexistent-svclab: it does not exist on the node/ });
});
