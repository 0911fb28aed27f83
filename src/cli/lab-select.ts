// The --name flag of every command that acts on a running lab, and the lab it means (lab/select.ts).
import { LabChoiceError, selectLab } from '../lab/select.js';
import { type LabState, listLabs, NoSuchLab, readState } from '../lab/state.js';
import { UsageError } from './args.js';

export const labFlag = { name: { type: 'string' } } as const;

export function labName(command: string, given: string | undefined): string {
  try {
    return selectLab(given);
  } catch (e) {
    if (e instanceof LabChoiceError) throw new UsageError(`lab ${command}: ${e.message}`);
    throw e;
  }
}

export function requireLab(command: string, given: string | undefined): { name: string; state: LabState } {
  const name = labName(command, given);
  const state = readState(name);
  if (!state) throw new NoSuchLab(`no lab named "${name}" (running labs: ${listLabs().join(', ') || 'none'})`);
  return { name, state };
}
