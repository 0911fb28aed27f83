// `lab etcdctl [--name LAB] [--] ARGS...`: Debian's etcdctl (API v3) against the
// etcd of a lab brought up with --store etcd, e.g. `lab etcdctl get --prefix /registry/services --keys-only`.
import fs from 'node:fs';
import { etcdctlArgv, etcdctlBinary } from '../lab/etcd.js';
import { etcdDirs } from '../lab/control-plane.js';
import { NoSuchLab, readState } from '../lab/state.js';
import { type Command, UsageError } from './args.js';
import { runInherited, splitLabName } from './kubectl.js';
import { requireLab } from './lab-select.js';

export const etcdctlCommand: Command = {
  summary: "run etcdctl against the etcd of a lab brought up with --store etcd (the objects under /registry/)",
  usage: '[--name lab] [--] ETCDCTL-ARGS...',
  run(argv) {
    const split = splitLabName('etcdctl', argv);
    const { name: lab } = requireLab('etcdctl', split.lab);
    const args = split.args[0] === '--' ? split.args.slice(1) : split.args;
    const state = readState(lab);
    if (!state) throw new NoSuchLab(`no lab named "${lab}"`);
    if (state.plan.store !== 'etcd') throw new UsageError(`lab etcdctl: lab "${lab}" keeps its objects in the embedded store; bring a lab up with --store etcd`);
    if (!fs.existsSync(etcdctlBinary)) throw new UsageError(`lab etcdctl: ${etcdctlBinary} is not installed (apt-get install etcd-client)`);
    return runInherited(etcdctlArgv(etcdDirs(state.plan), args), { ...process.env, ETCDCTL_API: '3' });
  },
};
