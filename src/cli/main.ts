// `lab`: the command line. Each command parses its own flags strictly, so a
// typo is one clear line and a non-zero exit, never a silent default.
import { UserError } from '../util/errors.js';
import { commands } from './commands.js';
import { UsageError, type Command } from './args.js';
import { withoutNodeModulesBin } from '../net/tools.js';

// Everything the lab starts must find the real system tools (see net/tools.ts).
process.env.PATH = withoutNodeModulesBin(process.env.PATH);

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'lab - Kubernetes Service networking, for real, on one Linux host',
    '',
    'Usage: lab <command> [flags]',
    '',
    ...Object.entries(commands).map(([name, c]: [string, Command]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `lab <command> --help` for its flags.',
  ].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
if (!name || name === 'help' || name === '--help' || name === '-h') {
  console.log(help());
  process.exit(0);
}
const command = commands[name];
if (!command) {
  console.error(`lab: unknown command "${name}" (see: lab help)`);
  process.exit(2);
}
if (rest.includes('--help') || rest.includes('-h')) {
  console.log(`lab ${name} ${command.usage}\n\n${command.summary}`);
  process.exit(0);
}
try {
  process.exitCode = (await command.run(rest)) ?? 0;
} catch (e) {
  const err = e as Error;
  const known = err instanceof UserError;
  console.error(known ? err.message : `lab ${name}: ${err.message}`);
  if (!known && process.env.SVCLAB_DEBUG) console.error(err.stack);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
