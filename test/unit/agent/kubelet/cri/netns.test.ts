import test from 'ava';
import { spawnSync } from 'node:child_process';
import { bindMounts } from '../../../../../src/agent/kubelet/cri/netns.js';

/** Runs the steps with `mount` replaced by echo: what would be mounted, one line each. */
function steps(script: string, prefix = ''): string[] {
  const r = spawnSync('/bin/sh', ['-c', `${prefix}${script.replaceAll(/\S*\/mount /g, 'echo mount ')}true`], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean);
}

test('bind mounts become sh steps with quoted paths, read-only ones remounted', (t) => {
  const mounts = [
    { hostPath: "/state/a b'c", containerPath: '/etc/app', readOnly: false },
    { hostPath: '/s/2', containerPath: '/t/$HOME', readOnly: true },
  ];
  t.deepEqual(steps(bindMounts(mounts)), ["mount --bind /state/a b'c /etc/app", 'mount --bind /s/2 /t/$HOME', 'mount -o remount,bind,ro /t/$HOME']);
  // Under a root still to be entered (a sandbox's new root in $r).
  t.deepEqual(steps(bindMounts(mounts, '"$r"'), 'r=/new/root; '), ["mount --bind /state/a b'c /new/root/etc/app", 'mount --bind /s/2 /new/root/t/$HOME', 'mount -o remount,bind,ro /new/root/t/$HOME']);
  t.is(bindMounts([]), '');
});
