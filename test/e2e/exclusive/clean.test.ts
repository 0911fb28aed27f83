// Runs alone (lab test's second phase): lab clean removes every lab on the host.
import test from 'ava';
import { labProcesses, signal } from '../../../src/lab/processes.js';
import { readState } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const name = labName('clean');

it.after.always(async () => {
  await lab(['down', '--name', name]);
});

it('lab clean removes a lab whose every process was killed with SIGKILL, and nothing else', async (t) => {
  const before = await hostSnapshot(name);
  const up = await lab(['up', '--name', name, '--nodes', '2']);
  t.is(up.exitCode, 0, String(up.all));
  const supervisor = readState(name)!.supervisorPid!;
  signal([supervisor, ...(labProcesses().get(name) ?? [])], 'SIGKILL');
  await waitFor('every lab process gone', () => !labProcesses().has(name));
  t.not(await hostSnapshot(name), before);

  const clean = await lab(['clean']);
  t.is(clean.exitCode, 0, String(clean.all));
  t.true(String(clean.stdout).includes(`removed lab ${name}`));
  t.deepEqual(await hostSnapshot(name), before);
});
