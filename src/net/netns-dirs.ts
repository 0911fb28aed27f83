// The machine-wide directories `ip netns` uses: /run/netns (namespace names; the first `ip netns add`
// bind-mounts it onto itself) and /etc/netns (per-namespace files bound over /etc, the pods'
// resolv.conf and hosts). Whoever creates one leaves a marker beside the default state root, and
// whoever ends last finds it unused and removes it with its marker: labs under several state roots
// (simulated machines) and the tests' machines share them, so no single lab can own them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { listNetns } from './ip.js';

const runNetnsMarker = '/run/svclab.created-run-netns';
const etcNetnsMarker = '/run/svclab.created-etc-netns';

/** Before the first `ip netns add`: remember that /run/netns was not there. */
export function markRunNetns(): void {
  if (!fs.existsSync('/run/netns')) fs.writeFileSync(runNetnsMarker, '');
}

/** /etc/netns/<name>, made (and marked as ours) when /etc/netns is not there yet. */
export function etcNetnsDir(name: string): string {
  if (!fs.existsSync('/etc/netns')) {
    fs.mkdirSync('/etc/netns');
    fs.writeFileSync(etcNetnsMarker, '');
  }
  const dir = `/etc/netns/${name}`;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Removes what a lab created once nothing uses it: /run/netns when no namespace is left, /etc/netns
 * when empty. Entries whose names start with `ours` (a lab's, a test machine's) keep both for
 * whoever ends last; only other tools' entries left means the directory is theirs now.
 */
export function removeUnusedNetnsDirs(ours: string): void {
  if (fs.existsSync(runNetnsMarker)) {
    const names = listNetns();
    if (names.length === 0) {
      spawnSync('umount', ['/run/netns'], { stdio: 'ignore' });
      fs.rmSync('/run/netns', { recursive: true, force: true });
      fs.rmSync(runNetnsMarker, { force: true });
    } else if (!names.some((n) => n.startsWith(ours))) fs.rmSync(runNetnsMarker, { force: true });
  }
  if (fs.existsSync(etcNetnsMarker)) {
    let entries: string[] | undefined;
    try {
      entries = fs.readdirSync('/etc/netns');
    } catch {
      /* gone */
    }
    if (entries?.length === 0) fs.rmdirSync('/etc/netns');
    if (!entries?.some((e) => e.startsWith(ours))) fs.rmSync(etcNetnsMarker, { force: true });
  }
}
