// Running commands on a lab's hosts (nodes, outside, router) from the host machine.
import { runtimeFor } from '../runtime/index.js';
import { NoSuchLab, readState } from './state.js';

export function hostArgv(lab: string, host: string, argv: string[]): string[] {
  const state = readState(lab);
  if (!state) throw new NoSuchLab(`no lab named "${lab}"`);
  return runtimeFor(state.plan.runtime).hostCommand(state.plan, host, argv);
}
