// Strict flag parsing for every command.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../util/errors.js';

export class UsageError extends UserError {}

/** A flag whose value must be one of a few words. */
export function oneOf<T extends string>(command: string, flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`lab ${command}: --${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

/** One `lab` command: the table in commands.ts, and the benchmarks' subcommands. */
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number | void>;
}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(command: string, argv: string[], options: T, positionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional.*$/s, '').replace(/^Unknown option/, 'unknown flag');
    throw new UsageError(`lab ${command}: ${msg} (see: lab help)`);
  }
}

