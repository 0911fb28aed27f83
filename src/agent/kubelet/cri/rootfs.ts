import { systemTool } from '../../../net/tools.js';

// A netns-runtime container's sandbox, close to a Docker container's: its own pid
// namespace with tini as pid 1 (Docker's --init: signals forwarded, zombies reaped)
// and, in the mount namespace `ip netns exec` made for it (with the pod's /etc files
// bound in), the host's tree read-only, fresh /proc, /tmp, /run and a minimal /dev,
// secrets masked, then pivot_root into it. Built with util-linux's unshare, mount,
// findmnt and pivot_root by a sh step while it still has root's full powers; setpriv
// then drops them on the way to tini and the container's program.

/** Directories shown empty: home directories, private keys, backups of the shadow files, host logs, Docker's state, other pods' /etc files. */
export const MASKED_DIRS = ['/root', '/home', '/mnt', '/media', '/etc/ssl/private', '/var/backups', '/var/log', '/var/lib/docker', '/etc/netns', '/proc/acpi', '/proc/scsi', '/sys/firmware'];
/** Files shown as /dev/null: password hashes, host keys, and the /proc files Docker masks. */
export const MASKED_FILES = [
  '/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/ssh/ssh_host_*key',
  '/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/latency_stats',
];
/** Replaced by private tmpfs: nothing of the host's is reachable there (the lab state in /run, sockets, netns handles). */
const PRIVATE = ['/proc', '/tmp', '/run', '/dev'];
/** Read-only in /proc, as Docker has them. */
const PROC_READONLY = ['bus', 'fs', 'irq', 'sys', 'sysrq-trigger'];
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

// $1: the pod's hostname, $2: an empty directory for the new root, $3: where to write the
// host pid of the namespace's init (for exec), $4: directories to keep visible (read-only, ":"
// between them) although they lie under one the sandbox replaces, then the program.
const script = String.raw`set -e
# The host's tools, whatever the container's PATH says (busybox images put its applets first); the program gets its own PATH back.
container_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
hostname "$1"
r=$2
# The host's /proc is still mounted: /proc/self is this shell's pid as the node sees it.
read -r pid _ </proc/self/stat
echo "$pid" >"$3.tmp" && mv "$3.tmp" "$3"
keep=$4
shift 4
mkdir -p "$r"
mount --make-rprivate /
mount --rbind / "$r"
# Host mounts under the replaced directories go (deepest first): none of them is kept alive from here.
findmnt -Rrno TARGET "$r" | sort -r | while read -r m; do
  case "$m" in ${PRIVATE.map((d) => `"$r${d}"|"$r${d}"/*`).join('|')}) umount -l "$m" ;; esac
done
findmnt -Rrno TARGET "$r" | while read -r m; do mount -o remount,bind,ro "$m" || exit 1; done
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
for p in ${PROC_READONLY.join(' ')}; do [ ! -e "$r/proc/$p" ] || { mount --bind "$r/proc/$p" "$r/proc/$p" && mount -o remount,bind,ro "$r/proc/$p"; }; done
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs "$r/run"
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs "$r/dev"
for d in ${DEVICES.join(' ')}; do touch "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
# A checkout under /tmp or /run (a CI clone) holds the catalogue's programs: shown again, read-only.
IFS=:; for k in $keep; do
  case "$k" in ${PRIVATE.map((d) => `${d}/*`).join('|')}) mkdir -p "$r$k" && mount --bind "$k" "$r$k" && mount -o remount,bind,ro "$r$k" ;; esac
done; unset IFS
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5,nosuid,noexec devpts "$r/dev/pts"
mount -t tmpfs -o nosuid,nodev,noexec,mode=1777 shm "$r/dev/shm"
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"; ln -s /proc/self/fd/1 "$r/dev/stdout"; ln -s /proc/self/fd/2 "$r/dev/stderr"
for d in ${MASKED_DIRS.map((d) => `"$r"${d}`).join(' ')}; do [ ! -d "$d" ] || mount -t tmpfs -o ro,nosuid,nodev,noexec,size=4k,mode=755 tmpfs "$d"; done
for f in ${MASKED_FILES.map((f) => `"$r"${f}`).join(' ')}; do [ ! -f "$f" ] || mount --bind /dev/null "$f"; done
cd "$r"
pivot_root . .
umount -l .
cd /
PATH=$container_path
exec "$@"`;

export interface ContainerArgvOptions {
  hostname: string;
  /** An empty directory for the new root. */
  root: string;
  /** Where the sandbox writes the host pid of its init. */
  initFile: string;
  privileged: boolean;
  /** setpriv's part (setprivArgs), empty when there is nothing to change. */
  setpriv: string[];
  /** Directories that must stay visible (the checkout the images run from), wherever they are. */
  keep?: string[];
  argv: string[];
}

/**
 * argv after `ip netns exec <pod netns>` (own UTS namespace with the pod's hostname, then the
 * sandbox), and what the init finally runs. Privileged: today's powers, no sandbox at all.
 */
export function containerArgv(o: ContainerArgvOptions): { argv: string[]; runs: string[] } {
  if (o.privileged) {
    const runs = [...o.setpriv, ...o.argv];
    return { argv: [systemTool('unshare'), '--uts', '--', '/bin/sh', '-c', `${systemTool('hostname')} "$1" && shift && exec "$@"`, 'sh', o.hostname, ...runs], runs };
  }
  // unshare stays the shim's child and passes on the exit code; if it is killed, so is the namespace.
  const runs = [systemTool('tini'), '--', ...o.argv];
  return { argv: [systemTool('unshare'), '--uts', '--pid', '--fork', '--kill-child=SIGKILL', '--', '/bin/sh', '-c', script, 'svclab-sandbox', o.hostname, o.root, o.initFile, (o.keep ?? []).join(':'), ...o.setpriv, ...runs], runs };
}
