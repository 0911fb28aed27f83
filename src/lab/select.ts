// Which lab a command means when --name is not given, as kubectl's current
// context: SVCLAB_LAB, else the only lab running, else the current lab that
// `lab up` recorded; with several running and none chosen, an error lists them.
import fs from 'node:fs';
import { UserError } from '../util/errors.js';
import { validateLabName } from './plan.js';
import { listLabs, paths, writeJsonAtomic } from './state.js';

export class LabChoiceError extends UserError {}

export interface Choice {
  given?: string;
  env?: string;
  running: string[];
  current?: string;
}

/** Pure: the lab meant, or why none can be picked. */
export function chooseLab(c: Choice): string {
  const picked = c.given ?? (c.env || undefined);
  if (picked !== undefined) {
    const err = validateLabName(picked);
    if (err) throw new LabChoiceError(c.given !== undefined ? err : `SVCLAB_LAB: ${err}`);
    return picked;
  }
  if (c.running.length === 1) return c.running[0]!;
  if (c.running.length === 0) throw new LabChoiceError('no lab is running (start one: lab up)');
  if (c.current && c.running.includes(c.current)) return c.current;
  throw new LabChoiceError(`${c.running.length} labs are running (${c.running.join(', ')}): pick one with --name NAME or SVCLAB_LAB=NAME`);
}

function currentLab(): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(paths.current(), 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

export function setCurrentLab(name: string): void {
  writeJsonAtomic(paths.current(), { name });
}

/** After a lab is gone: it is no longer anybody's current lab. */
export function forgetCurrentLab(name: string): void {
  if (currentLab() === name) fs.rmSync(paths.current(), { force: true });
}

export function selectLab(given: string | undefined): string {
  return chooseLab({ given, env: process.env.SVCLAB_LAB, running: listLabs(), current: currentLab() });
}
