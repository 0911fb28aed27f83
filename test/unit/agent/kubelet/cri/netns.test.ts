import test from 'ava';
import { spawnSync } from 'node:child_process';
import { bindMounts } from '../../../../../src/agent/kubelet/cri/netns.js';

test('bind mounts become sh steps over positional arguments, read-only ones remounted', (t) => {
  const m = bindMounts([
    { hostPath: '/state/a b', containerPath: '/etc/app', readOnly: false },
    { hostPath: '/s/2', containerPath: '/t/2', readOnly: true },
    ...Array.from({ length: 4 }, (_, i) => ({ hostPath: `/s/${i + 3}`, containerPath: `/t/${i + 3}`, readOnly: false })),
  ]);
  t.deepEqual(m.args.slice(0, 4), ['/state/a b', '/etc/app', '/s/2', '/t/2']);
  // Run the script with `mount` replaced by echo: each mount gets its own two arguments, also past $9.
  const script = m.script.replaceAll(/\S*\/mount /g, 'echo mount ');
  const r = spawnSync('/bin/sh', ['-c', `${script}true`, 'sh', 'host', ...m.args], { encoding: 'utf8' });
  t.deepEqual(r.stdout.trim().split('\n'), [
    'mount --bind /state/a b /etc/app',
    'mount --bind /s/2 /t/2',
    'mount -o remount,bind,ro /t/2',
    ...[3, 4, 5, 6].map((i) => `mount --bind /s/${i} /t/${i}`),
  ]);
  t.deepEqual(bindMounts([]), { script: '', args: [] });
});
