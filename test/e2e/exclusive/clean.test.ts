// Runs alone (lab test's second phase): lab clean removes every lab on the host.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { connect, labContainers } from '../../../src/runtime/docker/engine.js';
import { labProcesses, signal } from '../../../src/lab/processes.js';
import { readState } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName, waitFor } from '../../helpers/lab.js';
import { tempDir } from '../../helpers/tmp.js';
import { dockerE2e, e2e } from '../../helpers/root.js';

const it = e2e(test);
const withDocker = await dockerE2e(test);
const name = labName('clean');
const dockerLab = labName('cleand');

it.after.always(async () => {
  await lab(['down', '--name', name]);
  await lab(['down', '--name', dockerLab]);
});

it.serial('lab clean removes a lab whose every process was killed with SIGKILL, and nothing else', async (t) => {
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

it.serial('/run/netns and /etc/netns, made by the first lab, go with the last one, also when that one is under another state root', async (t) => {
  const machineWide = (): string[] => ['/run/netns', '/etc/netns'].filter((d) => fs.existsSync(d));
  const before = machineWide();
  // The state roots and the markers of who made the two directories (net/netns-dirs.ts).
  const ours = (): string[] => fs.readdirSync('/run').filter((e) => e === 'svclab' || e.startsWith('svclab.created-') || e.startsWith('svclab-roots-'));
  const oursBefore = ours();
  const first = labName('rootsa');
  const second = labName('rootsb');
  // A second state root, as a simulated machine's (test/helpers/machines.ts).
  const env = { SVCLAB_STATE_ROOT: `/run/svclab-roots-${process.pid}` };
  t.teardown(async () => {
    await lab(['down', '--name', first]);
    await lab(['down', '--name', second], { env });
    fs.rmSync(env.SVCLAB_STATE_ROOT, { recursive: true, force: true });
  });
  for (const [name, opts] of [[first, {}], [second, { env }]] as const) {
    const up = await lab(['up', '--name', name, '--nodes', '1'], opts);
    t.is(up.exitCode, 0, String(up.all));
  }
  t.true(fs.readdirSync('/etc/netns').some((e) => e.startsWith(`svclab-${second}-pod-`)), "the second lab's pods have their /etc/netns entries");
  t.is((await lab(['down', '--name', first])).exitCode, 0);
  t.deepEqual(machineWide(), ['/run/netns', '/etc/netns'], 'the second lab still uses both');
  t.is((await lab(['down', '--name', second], { env })).exitCode, 0);
  t.deepEqual(machineWide(), before);
  t.deepEqual(ours(), oursBefore, 'no state root or marker is left in /run');
});

withDocker.serial("lab clean removes a docker lab's containers after kill -9 of everything, and the lab's images, and no other container or image", async (t) => {
  const docker = connect();
  const before = await hostSnapshot(dockerLab);
  // Someone else's image and container, which lab clean must leave alone.
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'hello'), 'not svclab\n');
  const tar = path.join(dir, 'rootfs.tar');
  await execa('tar', ['-C', dir, '-cf', tar, 'hello']);
  const other = `cleantest-other:${process.pid}`;
  await execa('docker', ['import', tar, other]);
  const otherContainer = await docker.createContainer({ Image: other, Cmd: ['/hello'], name: `cleantest-other-${process.pid}` });
  t.teardown(async () => {
    await otherContainer.remove({ force: true }).catch(() => undefined);
    await docker.getImage(other).remove({ force: true }).catch(() => undefined);
  });

  const up = await lab(['up', '--name', dockerLab, '--nodes', '1', '--runtime', 'docker']);
  t.is(up.exitCode, 0, String(up.all));
  t.true((await labContainers(docker, dockerLab)).length >= 3, 'a node and the DNS pods run as containers');
  signal([readState(dockerLab)!.supervisorPid!, ...(labProcesses().get(dockerLab) ?? [])], 'SIGKILL');
  await waitFor('every lab process gone', () => !labProcesses().has(dockerLab));

  const clean = await lab(['clean']);
  t.is(clean.exitCode, 0, String(clean.all));
  t.true(String(clean.stdout).includes(`removed lab ${dockerLab}`));
  t.regex(String(clean.stdout), /^removed image svclab\/node:/m);
  t.deepEqual(await labContainers(docker, dockerLab), []);
  t.deepEqual(await docker.listImages({ filters: JSON.stringify({ label: ['svclab.image'] }) }), []);
  t.is((await otherContainer.inspect()).Config.Image, other);
  t.deepEqual(await hostSnapshot(dockerLab), before);
});
