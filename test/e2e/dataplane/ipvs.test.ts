// IPVS mode: on a kernel with IPVS, the same behaviours as every other mode;
// on one without (this machine), `lab up --proxy-mode ipvs` must stop at once
// with one line naming the missing modules, having built nothing.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { dataplaneTests } from './dataplane.js';

// Decided here, not by the lab's preflight: a module is usable when loaded, built in, or loadable.
const missing: string[] = [];
for (const m of ['ip_vs', 'ip_vs_rr', 'dummy']) {
  if (!fs.existsSync(`/sys/module/${m}`) && (await execa('modprobe', ['-n', '-q', m], { reject: false })).exitCode !== 0) missing.push(m);
}

if (missing.length === 0) {
  dataplaneTests(test, 'ipvs', 'dpipvs');
} else {
  const name = labName('dpipvs');
  e2e(test)(`without IPVS in the kernel (missing ${missing.join(', ')}), lab up --proxy-mode ipvs fails at once with one line naming them`, async (t) => {
    const before = await hostSnapshot(name);
    const r = await lab(['up', '--name', name, '--nodes', '3', '--proxy-mode', 'ipvs']);
    t.is(r.exitCode, 1);
    const lines = String(r.all).trim().split('\n');
    t.is(lines.length, 1, String(r.all));
    t.deepEqual(/^proxy mode ipvs needs kernel modules (.+?), which this kernel/.exec(lines[0]!)?.[1]?.split(', '), missing, lines[0]);
    t.deepEqual(await hostSnapshot(name), before, 'nothing was built or left behind');
  });
}
