import test from 'ava';
import fs from 'node:fs';
import { readComponents } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('errs');

function oneLine(t: { is: (a: unknown, b: unknown, m?: string) => void }, text: unknown): string {
  const s = String(text).trim();
  t.is(s.split('\n').length, 1, `expected one line, got:\n${s}`);
  return s;
}

it.after.always(async () => {
  await lab(['down', '--name', name]);
});

it.serial('bad input is one clear line, a non-zero exit, and leaves nothing behind', async (t) => {
  const before = await hostSnapshot(name);
  const cases: [string[], number, RegExp][] = [
    [['up', '--name', name, '--bogus'], 2, /^lab up: unknown flag '--bogus' \(see: lab help\)$/],
    [['up', '--name', name, '--nodes', 'three'], 2, /^lab up: --nodes must be a whole number \(got "three"\)$/],
    [['up', '--name', name, '--nodes', '400'], 1, /^--nodes 400 is more than the address plan allows: at most 253 nodes/],
    [['up', '--name', name, '--proxy-mode', 'ebpf'], 2, /^lab up: --proxy-mode must be one of iptables, nftables, nftables-maps, ipvs, userspace \(got "ebpf"\)$/],
    [['up', '--name', 'Bad_Name'], 2, /^lab up: invalid lab name "Bad_Name"/],
    [['down', '--name', name], 1, new RegExp(`^no lab named "${name}"`)],
    [['frobnicate'], 2, /^lab: unknown command "frobnicate"/],
  ];
  for (const [args, code, message] of cases) {
    const r = await lab(args);
    t.is(r.exitCode, code, `lab ${args.join(' ')}`);
    t.regex(oneLine(t, r.stderr), message);
  }
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial('without root, lab up says it needs root and changes nothing', async (t) => {
  const before = await hostSnapshot(name);
  const r = await lab(['up', '--name', name], { uid: 65534 });
  t.is(r.exitCode, 1, String(r.all));
  t.is(oneLine(t, r.stderr), 'lab up needs root (it creates network namespaces and kernel rules); run it with sudo');
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial('a proxy mode the kernel cannot run names what is missing and leaves nothing behind', async (t) => {
  const hasIpvs = fs.existsSync('/proc/net/ip_vs') || fs.existsSync('/sys/module/ip_vs');
  if (hasIpvs) {
    t.log('this kernel has IPVS: the missing-feature path is covered on kernels without it');
    t.pass();
    return;
  }
  const before = await hostSnapshot(name);
  const r = await lab(['up', '--name', name, '--proxy-mode', 'ipvs']);
  t.is(r.exitCode, 1);
  t.regex(oneLine(t, r.stderr), /^proxy mode ipvs needs kernel modules ip_vs, ip_vs_rr, dummy, which this kernel \(.+\) does not have/);
  t.deepEqual(await hostSnapshot(name), before);
});

it.serial('a name that is taken is refused and the running lab is untouched', async (t) => {
  const first = await lab(['up', '--name', name, '--nodes', '1']);
  t.is(first.exitCode, 0, String(first.all));
  // While a lab runs its agents start short-lived helpers (iptables-save...): compare components, not every pid.
  const settled = async () => (await hostSnapshot(name)).filter((l) => !l.startsWith('process '));
  const components = () => readComponents(name).map((c) => [c.name, c.pid, c.restarts]);
  const running = await settled();
  const before = components();
  const second = await lab(['up', '--name', name, '--nodes', '1']);
  t.is(second.exitCode, 1);
  t.is(oneLine(t, second.stderr), `a lab named "${name}" is already running; take it down first with: lab down --name ${name}`);
  t.deepEqual(await settled(), running);
  t.deepEqual(components(), before);
  const status = await lab(['status', '--name', name, '-o', 'json']);
  t.true(JSON.parse(String(status.stdout)).nodes.every((n: { ready: boolean }) => n.ready));
});
