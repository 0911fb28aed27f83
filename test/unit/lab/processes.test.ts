import test from 'ava';
import { spawn } from 'node:child_process';
import { labProcesses, waitGone } from '../../../src/lab/processes.js';
import { stateRoot } from '../../../src/lab/state.js';
import { waitFor } from '../../../src/util/poll.js';

test("a lab's processes are those of this state root: the same lab name under another root (another simulated machine) is not ours", async (t) => {
  const lab = `procs${process.pid}`;
  const sleeper = (env: Record<string, string>) => spawn('sleep', ['30'], { env: { PATH: process.env.PATH, SVCLAB_LAB: lab, ...env }, stdio: 'ignore' });
  const ours = sleeper(stateRoot === '/run/svclab' ? {} : { SVCLAB_STATE_ROOT: stateRoot });
  const theirs = sleeper({ SVCLAB_STATE_ROOT: '/run/svclab-machines/elsewhere' });
  t.teardown(async () => {
    ours.kill('SIGKILL');
    theirs.kill('SIGKILL');
    await waitGone([ours.pid!, theirs.pid!], 2000);
  });
  const pids = await waitFor('the sleeper listed', () => labProcesses().get(lab), 2000, 20);
  t.deepEqual(pids, [ours.pid]);
});
