// Runs the kernel tools a backend needs. The agent already lives in its node's
// network namespace, so the prefix is empty there; tests pass
// ['ip', 'netns', 'exec', <ns>] to aim at a throwaway namespace.
import { CommandError, run, type RunResult } from '../../net/run.js';
import { systemTool } from '../../net/tools.js';

export type Exec = (cmd: string, args: string[], input?: string) => Promise<RunResult>;

export function commandRunner(prefix: string[] = []): Exec {
  return (cmd, args, input) => {
    const argv = [...prefix, systemTool(cmd), ...args];
    return run(argv[0]!, argv.slice(1), { input });
  };
}

/** Runs and throws on a non-zero exit. */
export async function mustRun(exec: Exec, cmd: string, args: string[], input?: string): Promise<string> {
  const r = await exec(cmd, args, input);
  if (r.exitCode !== 0) throw new CommandError([cmd, ...args].join(' '), r);
  return r.stdout;
}
