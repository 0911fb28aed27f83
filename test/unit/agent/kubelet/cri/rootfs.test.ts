import test from 'ava';
import { systemTool } from '../../../../../src/net/tools.js';
import { containerArgv } from '../../../../../src/agent/kubelet/cri/rootfs.js';

const base = { hostname: 'web', root: '/s/c/0/root', initFile: '/s/c/0/init', setpriv: ['setpriv', '--no-new-privs', '--'], argv: ['sleep', 'infinity'] };

test('a sandboxed container: own UTS and pid namespaces, the sandbox step, setpriv, then tini running the program', (t) => {
  const { argv, runs } = containerArgv({ ...base, privileged: false });
  // The host's tools by path: a container's PATH may put busybox's applets first.
  t.deepEqual(argv.slice(0, 6), [systemTool('unshare'), '--uts', '--pid', '--fork', '--kill-child=SIGKILL', '--']);
  t.deepEqual(argv.slice(6, 8), ['/bin/sh', '-c']);
  t.deepEqual(argv.slice(9), ['svclab-sandbox', 'web', '/s/c/0/root', '/s/c/0/init', '', 'setpriv', '--no-new-privs', '--', systemTool('tini'), '--', 'sleep', 'infinity']);
  t.deepEqual(runs, [systemTool('tini'), '--', 'sleep', 'infinity']);
  const script = argv[8]!;
  for (const step of ['pivot_root . .', 'mount --bind /dev/null "$f"', 'mount -t proc', '"$r"/etc/shadow', '"$r"/root', 'exec "$@"']) t.true(script.includes(step), step);
});

test("a privileged container keeps today's chain: the hostname step, no sandbox, no pid namespace", (t) => {
  const { argv, runs } = containerArgv({ ...base, setpriv: [], privileged: true });
  t.deepEqual(argv, [systemTool('unshare'), '--uts', '--', '/bin/sh', '-c', `${systemTool('hostname')} "$1" && shift && exec "$@"`, 'sh', 'web', 'sleep', 'infinity']);
  t.deepEqual(runs, ['sleep', 'infinity']);
});

test('the checkout the images run from is passed to the sandbox step, which shows it again under a replaced /tmp or /run', (t) => {
  const { argv } = containerArgv({ ...base, privileged: false, keep: ['/tmp/ci/svclab', '/work/svclab'] });
  t.is(argv[13], '/tmp/ci/svclab:/work/svclab');
  const script = argv[8]!;
  t.regex(script, /case "\$k" in \/proc\/\*\|\/tmp\/\*\|\/run\/\*\|\/dev\/\*\) mkdir -p "\$r\$k" && mount --bind "\$k" "\$r\$k" && mount -o remount,bind,ro "\$r\$k"/);
});
