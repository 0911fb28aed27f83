// `lab ui [--name lab]`: the address of the lab's dashboard (a lab component
// on 127.0.0.1, see src/ui), once it answers.
import http from 'node:http';
import path from 'node:path';
import { dashboardUrl, paths } from '../lab/state.js';
import { poll } from '../util/poll.js';
import { type Command, parse } from './args.js';
import { labFlag, requireLab } from './lab-select.js';

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    http
      .get(url, { timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false))
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy();
        resolve(false);
      });
  });
}

/** The dashboard's URL once it answers, or undefined after ms. */
export async function waitForDashboard(lab: string, ms: number): Promise<string | undefined> {
  return poll(async () => {
    const url = dashboardUrl(lab);
    return url && (await answers(url)) ? url : undefined;
  }, { timeoutMs: ms, everyMs: 100 });
}

export const uiCommand: Command = {
  summary: "print the address of the lab's live web dashboard (127.0.0.1 only): topology, endpoint counters, traces, faults",
  usage: '[--name lab]',
  async run(argv) {
    const { values } = parse('ui', argv, labFlag);
    const { name } = requireLab('ui', values.name);
    const url = await waitForDashboard(name, 10_000);
    if (!url) {
      console.error(`the dashboard of lab ${name} does not answer; its log: ${path.join(paths.logs(name), 'dashboard.log')}`);
      return 1;
    }
    console.log(url);
  },
};
