// `lab demo`, the README's main job: replay the seed tutorials (scenarios/seeds/)
// step by step on fresh labs, showing each command's output and what was
// expected and seen, then take everything down.
import path from 'node:path';
import { home } from '../lab/state.js';
import { proxyModes, type ProxyMode } from '../agent/proxy/modes.js';
import { type Command, parse, UsageError } from './args.js';
import { runLibrary } from './run.js';

const seedScenarios = path.join(home, 'scenarios', 'seeds');

export const demoCommand: Command = {
  summary: 'the main job: bring up labs and replay the seed tutorials step by step (scenarios/seeds/), then take them down',
  usage: `[--proxy-mode ${proxyModes.join('|')}] [--junit out.xml] [FILE...]`,
  async run(argv) {
    const { values, positionals } = parse('demo', argv, { 'proxy-mode': { type: 'string' }, junit: { type: 'string' } }, true);
    const mode = values['proxy-mode'];
    if (mode !== undefined && !(proxyModes as readonly string[]).includes(mode)) throw new UsageError(`lab demo: --proxy-mode must be one of ${proxyModes.join(', ')} (got "${mode}")`);
    console.log(`svclab demo: each seed tutorial of ${path.relative(process.cwd(), seedScenarios) || seedScenarios} replayed on its own lab${mode ? ` (proxy mode ${mode})` : ''}.`);
    console.log('Every step shows what ran, what came back, and what was expected.\n');
    const { code } = await runLibrary(positionals.length ? positionals : [seedScenarios], {
      verbose: true,
      junit: values.junit,
      modes: mode ? [mode as ProxyMode] : undefined,
      labPrefix: 'demo-',
    });
    return code;
  },
};
