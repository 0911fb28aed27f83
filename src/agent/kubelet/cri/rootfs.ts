import fs from 'node:fs';
import path from 'node:path';
import type { Mount } from './cri.js';
import { systemTool } from '../../../net/tools.js';

// A netns-runtime container's sandbox, close to a Docker container's: its own mount
// and pid namespaces with tini as pid 1 (Docker's --init: signals forwarded, zombies
// reaped), the host's tree read-only, fresh /proc and /sys, private /tmp, /run and a
// minimal /dev, secrets masked, the pod's /etc files, then pivot_root into it.
// The agent writes every mount into an fstab in the container's directory (and the
// directories and files they need), so one `mount --all` makes the whole tree: a few
// execs per container instead of one per mount, which a slow (emulated) CPU feels.
// setpriv then drops root's powers on the way to tini and the container's program.

/** Directories shown empty: home directories, private keys, backups of the shadow files, host logs, Docker's state, other pods' /etc files. */
const MASKED_DIRS = ['/root', '/home', '/mnt', '/media', '/etc/ssl/private', '/var/backups', '/var/log', '/var/lib/docker', '/etc/netns', '/proc/acpi', '/proc/scsi', '/sys/firmware'];
/** Files shown as /dev/null: password hashes, host keys, and the /proc files Docker masks. */
const MASKED_FILES = [
  '/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-',
  '/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/latency_stats',
];
/** Not taken from the host: fresh /proc and /sys, and the container's own /tmp, /run and /dev (directories of its own, like a writable layer). */
const FRESH = ['/proc', '/sys'];
const WRITABLE = ['/tmp', '/run', '/dev'];
/** Read-only in /proc, as Docker has them. */
const PROC_READONLY = ['bus', 'fs', 'irq', 'sys', 'sysrq-trigger'];
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
const DEV_LINKS: [string, string][] = [['ptmx', 'pts/ptmx'], ['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2']];
/** The pod's files `ip netns exec` would bind over the host's. */
const POD_ETC = ['resolv.conf', 'hosts', 'hostname'];

/** The files of a container's sandbox, in its directory. */
const sandboxFiles = { root: 'root', fstab: 'fstab', init: 'init', writable: 'rw', masks: 'masks' };

function under(p: string, dirs: string[]): string | undefined {
  return dirs.find((d) => p === d || p.startsWith(`${d}/`));
}

/** fstab's escapes (mountinfo uses the same ones). */
const escape = (p: string): string => p.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
const unescape = (p: string): string => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

interface HostMount {
  target: string;
  /** The per-mount flags a read-only bind keeps. */
  flags: string[];
}

/** The host's mounts as this process sees them (the sandbox starts from a copy of this namespace). */
export function hostMounts(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): HostMount[] {
  const seen = new Set<string>();
  const out: HostMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 6) continue;
    const target = unescape(f[4]!);
    if (seen.has(target)) continue; // stacked mounts: the path reaches the top one
    // An automount point would wait for a daemon that mounts in the host's namespace, not in the sandbox's.
    if (f[f.indexOf('-') + 1] === 'autofs') continue;
    seen.add(target);
    out.push({ target, flags: f[5]!.split(',').filter((o) => ['nosuid', 'nodev', 'noexec'].includes(o)) });
  }
  return out;
}

export interface SandboxPlan {
  /** The container's directory (its sandbox files go there). */
  dir: string;
  /** Where the pod's /etc files are (resolv.conf, hosts, hostname). */
  podEtc: string;
  /** Directories that must stay visible, read-only (the checkout the images run from), wherever they are. */
  keep: string[];
  mounts: Mount[];
  /** The host's mounts (hostMounts()). */
  host: HostMount[];
}

/**
 * Writes the sandbox of one container into its directory: the fstab of its root, its writable
 * /tmp, /run and /dev, and the empty stand-ins for masked directories, with the mount points
 * the fstab needs made there, never on the host's own file system. Throws for a mount the
 * sandbox cannot place.
 */
export function prepareSandbox(p: SandboxPlan): void {
  for (const m of p.mounts) {
    if (!path.isAbsolute(m.containerPath) || under(path.normalize(m.containerPath), FRESH)) throw new Error(`cannot mount at ${m.containerPath}: not a path the sandbox can hold`);
    if (!fs.existsSync(m.hostPath)) throw new Error(`cannot mount ${m.hostPath}: it does not exist on the node`);
  }
  const root = path.join(p.dir, sandboxFiles.root);
  const rw = path.join(p.dir, sandboxFiles.writable);
  const masks = path.join(p.dir, sandboxFiles.masks);
  fs.mkdirSync(root, { recursive: true });
  const lines: string[] = [];
  const add = (source: string, target: string, type: string, options: string[]): void => {
    lines.push(`${escape(source)} ${escape(target === '/' ? root : path.join(root, target))} ${type} ${options.join(',')} 0 0`);
  };
  // Real directories only (lstat): mount(8) would follow a symlink out of the new root.
  const maskDir = new Map(MASKED_DIRS.filter((d) => fs.lstatSync(d, { throwIfNoEntry: false })?.isDirectory()).map((d, i) => [d, path.join(masks, String(i))]));

  /** Where a path of the container lands on this host: in one of its own directories, or in the host's tree (undefined: nowhere yet, under a directory the host lacks). */
  const backing = (p: string): string | undefined => {
    const w = under(p, WRITABLE);
    if (w) return path.join(rw, w.slice(1), p.slice(w.length));
    const m = [...maskDir.keys()].filter((d) => under(p, [d])).sort((a, b) => b.length - a.length)[0];
    if (m) return path.join(maskDir.get(m)!, p.slice(m.length));
    return undefined;
  };
  /** The container's path with its symlinks resolved as the container sees them; its mount point made in a directory of the container's when it is missing. */
  const mountPoint = (target: string, file: boolean): string => {
    const resolved = resolveInContainer(target, backing);
    const b = backing(resolved);
    if (b) {
      fs.mkdirSync(file ? path.dirname(b) : b, { recursive: true });
      if (file && !fs.existsSync(b)) fs.writeFileSync(b, '');
    } else if (!fs.existsSync(resolved)) {
      throw new Error(`cannot mount at ${target}: ${path.dirname(resolved)} does not exist on the node, whose file system pods see read-only`);
    }
    return resolved;
  };

  // The host's tree, read-only, one mount at a time (a recursive bind would leave the submounts writable).
  for (const m of p.host) {
    if (under(m.target, [...FRESH, ...WRITABLE, ...maskDir.keys()])) continue;
    if (m.target !== '/' && !fs.existsSync(m.target)) continue;
    // nodev: no device cgroup here, so a device node anywhere but the container's /dev binds must stay inert.
    add(m.target, m.target, 'none', ['bind', 'ro', ...new Set([...m.flags, 'nodev'])]);
  }
  // `ip netns exec` mounted the pod network namespace's own /sys.
  add('/sys', '/sys', 'none', ['bind', 'ro', 'nosuid', 'nodev', 'noexec']);
  add('proc', '/proc', 'proc', ['nosuid', 'nodev', 'noexec']);
  for (const f of PROC_READONLY.filter((f) => fs.existsSync(`/proc/${f}`))) add(path.join(root, 'proc', f), `/proc/${f}`, 'none', ['bind', 'ro', 'nosuid', 'nodev', 'noexec']);
  for (const w of WRITABLE) {
    const dir = path.join(rw, w.slice(1));
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, w === '/tmp' ? 0o1777 : 0o755);
    // nodev on /dev too (CAP_MKNOD is in Docker's set): only the devices bound below work.
    add(dir, w, 'none', ['bind', 'nosuid', 'nodev']);
  }
  const dev = path.join(rw, 'dev');
  for (const d of DEVICES) {
    fs.writeFileSync(path.join(dev, d), '');
    add(`/dev/${d}`, `/dev/${d}`, 'none', ['bind']);
  }
  for (const [name, to] of DEV_LINKS) fs.symlinkSync(to, path.join(dev, name));
  for (const d of ['pts', 'shm']) fs.mkdirSync(path.join(dev, d));
  add('devpts', '/dev/pts', 'devpts', ['newinstance', 'ptmxmode=0666', 'mode=620', 'gid=5', 'nosuid', 'noexec']);
  add('shm', '/dev/shm', 'tmpfs', ['nosuid', 'nodev', 'noexec', 'mode=1777', 'size=65536k']);
  for (const f of POD_ETC.filter((f) => fs.existsSync(path.join(p.podEtc, f)))) add(path.join(p.podEtc, f), mountPoint(`/etc/${f}`, true), 'none', ['bind', 'ro']);
  for (const [d, stand] of maskDir) {
    fs.mkdirSync(stand, { recursive: true });
    add(stand, d, 'none', ['bind', 'ro', 'nosuid', 'nodev', 'noexec']);
  }
  for (const f of [...MASKED_FILES, ...sshHostKeys()].filter((f) => isFile(f))) add('/dev/null', f, 'none', ['bind', 'ro']);
  // Shown again where a directory of the container's own hides it (a CI clone under /tmp).
  for (const k of p.keep.filter((k) => backing(resolveInContainer(k, backing)) !== undefined)) add(k, mountPoint(k, false), 'none', ['bind', 'ro']);
  for (const m of p.mounts) {
    const target = mountPoint(path.normalize(m.containerPath), !isDir(m.hostPath));
    add(m.hostPath, target, 'none', ['bind', ...(m.readOnly ? ['ro'] : []), 'nosuid', 'nodev']);
  }
  fs.writeFileSync(path.join(p.dir, sandboxFiles.fstab), `# the sandbox's mounts, in order (mount --all --fstab)\n${lines.join('\n')}\n`);
}

function isDir(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isFile(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}

function sshHostKeys(): string[] {
  const dir = '/etc/ssh';
  return isDir(dir) ? fs.readdirSync(dir).filter((f) => /^ssh_host_.*key$/.test(f)).map((f) => path.join(dir, f)) : [];
}

/**
 * A path with its symlinks resolved the way the container will see them: through the host's tree,
 * but not into the directories the container has of its own (backing() says which), where the agent
 * made every entry itself.
 */
export function resolveInContainer(p: string, backing: (p: string) => string | undefined): string {
  const rest = p.split('/').filter(Boolean);
  let cur = '/';
  for (let hops = 0; rest.length > 0; ) {
    const next = path.join(cur, rest.shift()!);
    if (backing(next) !== undefined) return path.join(next, ...rest);
    const st = fs.lstatSync(next, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`too many symbolic links in ${p}`);
      const to = fs.readlinkSync(next);
      rest.unshift(...to.split('/').filter(Boolean));
      cur = path.isAbsolute(to) ? '/' : cur;
      continue;
    }
    cur = next;
    if (!st) return path.join(cur, ...rest);
  }
  return cur;
}

export interface ContainerArgvOptions {
  hostname: string;
  /** The container's directory, where prepareSandbox wrote the sandbox. */
  dir: string;
  privileged: boolean;
  /** setpriv's part (setprivArgs), empty when there is nothing to change. */
  setpriv: string[];
  argv: string[];
  /** Privileged only: sh steps, each ending in `&& `, that mount the request's volumes (netns.ts bindMounts). */
  privilegedMounts?: string;
}

// $1: the pod's hostname, $2: the container's directory, then the program.
const script = (mount: string, pivotRoot: string, umount: string): string => String.raw`set -e
# Shell built-ins where they do: each exec is felt on a slow CPU. The new UTS namespace's hostname:
echo "$1" >/proc/sys/kernel/hostname
# The host's /proc is still mounted: /proc/self is this shell's pid as the node sees it (for exec).
read -r pid _ </proc/self/stat
echo "$pid" >"$2/${sandboxFiles.init}"
${mount} --all --fstab "$2/${sandboxFiles.fstab}"
cd "$2/${sandboxFiles.root}"
${pivotRoot} . .
${umount} -l .
cd /
shift 2
exec "$@"`;

/**
 * argv after `ip netns exec <pod netns>` (own UTS namespace with the pod's hostname, then the
 * sandbox), and what the init finally runs. Privileged: today's powers, no sandbox at all.
 */
export function containerArgv(o: ContainerArgvOptions): { argv: string[]; runs: string[] } {
  if (o.privileged) {
    const runs = [...o.setpriv, ...o.argv];
    return { argv: [systemTool('unshare'), '--uts', '--', '/bin/sh', '-c', `${systemTool('hostname')} "$1" && ${o.privilegedMounts ?? ''}shift && exec "$@"`, 'sh', o.hostname, ...runs], runs };
  }
  // unshare stays the shim's child and passes on the exit code; its mount namespace is private
  // (nothing the host mounts later shows up inside); if it is killed, so is the pid namespace.
  const runs = [systemTool('tini'), '--', ...o.argv];
  const sh = script(systemTool('mount'), systemTool('pivot_root'), systemTool('umount'));
  return { argv: [systemTool('unshare'), '--uts', '--mount', '--pid', '--fork', '--kill-child=SIGKILL', '--', '/bin/sh', '-c', sh, 'svclab-sandbox', o.hostname, o.dir, ...o.setpriv, ...runs], runs };
}
