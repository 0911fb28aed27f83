// A netns-runtime container's file system view, close to a Docker container's: in
// the mount namespace `ip netns exec` made for it (with the pod's /etc files bound
// in), the host's tree read-only, fresh /tmp, /run and a minimal /dev, secrets and
// other pods' state masked, then pivot_root into it. Built with util-linux's
// mount/findmnt/pivot_root by a sh step while it still has root's full powers;
// setpriv then drops them on the way to the container's program.

/** Directories shown empty: home directories, other labs' and Docker's state, other pods' /etc files. */
export const MASKED_DIRS = ['/root', '/home', '/mnt', '/media', '/var/lib/docker', '/etc/netns', '/proc/acpi', '/proc/scsi', '/sys/firmware'];
/** Files shown as /dev/null: password hashes, host keys, and the /proc files Docker masks. */
export const MASKED_FILES = [
  '/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/ssh/ssh_host_*key',
  '/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/sched_debug', '/proc/latency_stats',
];
/** Replaced by private tmpfs: nothing of the host's is reachable there (the lab state in /run, sockets, netns handles). */
const PRIVATE = ['/tmp', '/run', '/dev'];
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

// $1: the pod's hostname, $2: an empty directory for the new root, then the program.
const script = String.raw`set -e
hostname "$1"
r=$2
shift 2
mkdir -p "$r"
mount --make-rprivate /
mount --rbind / "$r"
# Host mounts under the replaced directories go (deepest first): none of them is kept alive from here.
findmnt -Rrno TARGET "$r" | sort -r | while read -r m; do
  case "$m" in ${PRIVATE.map((d) => `"$r${d}"|"$r${d}"/*`).join('|')}) umount -l "$m" ;; esac
done
findmnt -Rrno TARGET "$r" | while read -r m; do mount -o remount,bind,ro "$m" || exit 1; done
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs "$r/run"
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs "$r/dev"
for d in ${DEVICES.join(' ')}; do touch "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
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
exec "$@"`;

/** argv after `ip netns exec <pod netns>`: own UTS namespace with the pod's hostname, then the sandbox unless privileged. */
export function containerArgv(o: { hostname: string; root: string; privileged: boolean; program: string[] }): string[] {
  if (o.privileged) return ['unshare', '--uts', '--', 'sh', '-c', 'hostname "$1" && shift && exec "$@"', 'sh', o.hostname, ...o.program];
  return ['unshare', '--uts', '--', 'sh', '-c', script, 'svclab-sandbox', o.hostname, o.root, ...o.program];
}
