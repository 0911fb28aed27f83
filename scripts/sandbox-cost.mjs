#!/usr/bin/env node
// The cost of one netns-runtime container sandbox on this machine (root): the time from the shim's
// start to the container's program running (N sandboxed `sleep`s in a scratch netns), and the execs
// and mount calls of one setup (strace -f). Usage: node scripts/sandbox-cost.mjs [N]  (after a build)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'agent', 'kubelet', 'cri');
const { ContainerProcess } = await import(path.join(dist, 'process.js'));
const rootfs = await import(path.join(dist, 'rootfs.js'));
const { setprivArgs, containerSecurity } = await import(path.join(dist, 'security.js'));
const n = Number(process.argv[2] ?? 9);
const ns = `svclab-cost${process.pid % 10000}`;
const base = `/run/svclab-cost${process.pid % 10000}`;
const [tool, ...privs] = setprivArgs(containerSecurity(undefined, undefined, { pod: 'p', container: 'c' }));
const setpriv = [`/usr/bin/${tool}`, ...privs];
const checkout = path.resolve(dist, '..', '..', '..', '..', '..');
const prepare = (dir) => rootfs.prepareSandbox({ dir, podEtc: `/etc/netns/${ns}`, keep: [checkout], mounts: [], host: rootfs.hostMounts() });
const keepAlive = setInterval(() => undefined, 1000);
execFileSync('ip', ['netns', 'add', ns]);
const times = [];
try {
  for (let i = 0; i < n; i++) {
    const dir = `${base}/${i}`;
    const c = rootfs.containerArgv({ hostname: 'cost', dir, privileged: false, setpriv, argv: ['/bin/sleep', '1000'] });
    const t0 = process.hrtime.bigint();
    const p = await ContainerProcess.start(`c${i}`, dir, `${dir}.log`, ['/usr/sbin/ip', 'netns', 'exec', ns, ...c.argv], { PATH: '/usr/bin:/bin' }, c.runs, { startTimeoutMs: 60_000, prepare });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await p.stop(0);
  }
  const dir = `${base}/strace`;
  fs.mkdirSync(dir, { recursive: true });
  prepare(dir);
  const c = rootfs.containerArgv({ hostname: 'cost', dir, privileged: false, setpriv, argv: ['/bin/true'] });
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve,mount,umount2', '-o', `${dir}/trace`, '/usr/sbin/ip', 'netns', 'exec', ns, ...c.argv]);
  const trace = r.error ? [] : fs.readFileSync(`${dir}/trace`, 'utf8').split('\n').filter((l) => !/= -1 /.test(l));
  const count = (call) => trace.filter((l) => new RegExp(`^\\d+ +${call}\\(`).test(l)).length;
  times.sort((a, b) => a - b);
  console.log(`sandbox start (shim to program), n=${n}: median ${times[Math.floor(n / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[n - 1].toFixed(0)} ms`);
  console.log(r.error ? 'strace not installed: no exec count' : `one setup: ${count('execve')} execs, ${count('mount')} mount and ${count('umount2')} umount calls`);
} finally {
  clearInterval(keepAlive);
  execFileSync('ip', ['netns', 'del', ns]);
  fs.rmSync(base, { recursive: true, force: true });
}
