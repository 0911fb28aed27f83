// `lab ui [--name lab] [--port N]`: serves the dashboard on 127.0.0.1 until Ctrl-C.
import { startDashboard } from '../ui/server.js';
import { parse, UsageError } from './args.js';
import type { Command } from './commands.js';
import { labFlag, requireLab } from './lab-select.js';

export const uiCommand: Command = {
  summary: "a live web dashboard of the lab on 127.0.0.1: topology, endpoint counters, traces, faults",
  usage: '[--name lab] [--port 0]',
  async run(argv) {
    const { values } = parse('ui', argv, { ...labFlag, port: { type: 'string', default: '0' } });
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`lab ui: --port must be a port number (got "${values.port}")`);
    const { name, state } = requireLab('ui', values.name);
    const d = await startDashboard(name, state, Number(values.port));
    console.log(`dashboard of lab ${name}: ${d.url}  (only on this machine; Ctrl-C stops it)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await d.close();
  },
};
