// `lab kubectl [--name LAB] ARGS...`: the real kubectl with the lab's kubeconfig
// and its own discovery cache, stdio inherited, kubectl's exit code returned.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { kubectlArgv, kubectlBinary } from '../lab/kubeconfig.js';
import { NoSuchLab, paths } from '../lab/state.js';
import { type Command, UsageError } from './args.js';
import { requireLab } from './lab-select.js';

/** Runs a tool with the terminal (Ctrl-C reaches it through the terminal; lab waits), resolving with its exit code. */
export function runInherited(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [cmd, ...rest] = argv;
  const child = spawn(cmd!, rest, { stdio: 'inherit', env });
  const ignore = (): void => undefined;
  const forward = (): void => void child.kill('SIGTERM');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (sig ? os.constants.signals[sig] : 0));
    });
  });
}

/** Only a leading --name is the lab's: every other flag belongs to the tool (kubectl, etcdctl). */
export function splitLabName(command: string, argv: string[]): { lab: string | undefined; args: string[] } {
  if (argv[0] === '--name') {
    if (argv[1] === undefined) throw new UsageError(`lab ${command}: --name needs a lab name`);
    return { lab: argv[1], args: argv.slice(2) };
  }
  if (argv[0]?.startsWith('--name=')) return { lab: argv[0].slice('--name='.length), args: argv.slice(1) };
  return { lab: undefined, args: argv };
}

export const kubectlCommand: Command = {
  summary: "run the real kubectl against a lab (its kubeconfig; discovery cached in the lab's state)",
  usage: '[--name lab] KUBECTL-ARGS...',
  run(argv) {
    const split = splitLabName('kubectl', argv);
    const { name: lab, state } = requireLab('kubectl', split.lab);
    const args = split.args;
    if (state.plan.joined) throw new UsageError(`lab kubectl: lab "${lab}" is this machine's part of lab ${state.plan.joined.lab}; the admin's credentials stay on its control plane (${state.plan.joined.server}): run lab kubectl there`);
    if (!fs.existsSync(paths.kubeconfig(lab))) throw new NoSuchLab(`lab "${lab}" has no kubeconfig yet (is it still coming up?)`);
    if (!fs.existsSync(kubectlBinary)) throw new UsageError(`lab kubectl: ${kubectlBinary} is not installed`);
    return runInherited(kubectlArgv(lab, args), { ...process.env });
  },
};
