import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { Node } from '../../../src/api/types.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { listNetns } from '../../../src/net/ip.js';
import { connect, engineAddress, labContainers, reachable } from '../../../src/runtime/docker/engine.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, repo, waitFor } from '../../helpers/lab.js';
import { e2e, inCI } from '../../helpers/root.js';

const name = labName('dk');
const docker = connect();
const engineUp = await reachable(docker);
const it = e2e(anyTest);
// Needs an engine; outside CI, a host without one skips (with the reason), under CI it fails.
let withEngine: TestFn = it;
if (!engineUp && !inCI) {
  console.log(`skipping docker runtime tests that need an engine: none answers at ${engineAddress()}`);
  withEngine = anyTest.skip as unknown as TestFn;
}

let before: string[] = [];

async function onHost(host: string, argv: string[]): Promise<{ exitCode?: number; stdout: string }> {
  const [cmd, ...args] = hostArgv(name, host, argv);
  return execa(cmd!, args, { reject: false });
}

function nsLink(pid: number, ns: string): string {
  return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
}

/** Gone, or a zombie waiting for the container's init to reap it. */
function dead(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function containerPid(node: string): Promise<number> {
  return (await docker.getContainer(`svclab-${name}-${node}`).inspect()).State.Pid;
}

it.after.always(async () => {
  if (engineUp) await lab(['down', '--name', name]);
});

it.serial('lab up --runtime docker without a reachable engine fails with one line naming the engine', async (t) => {
  const other = labName('dkx');
  const r = await execa(process.execPath, [path.join(repo, 'dist', 'src', 'cli', 'main.js'), 'up', '--runtime', 'docker', '--name', other], {
    reject: false,
    env: { DOCKER_HOST: 'unix:///nonexistent', FORCE_COLOR: '0' },
  });
  t.is(r.exitCode, 1);
  t.is(r.stdout, '');
  t.is(
    r.stderr,
    'cannot reach the Docker engine at unix:///nonexistent (connect ENOENT): start it (apt-get install docker.io; dockerd &) or set DOCKER_HOST',
  );
  t.deepEqual(listNetns().filter((n) => n.startsWith(`svclab-${other}-`)), []);
  t.false(fs.existsSync(`/run/svclab/${other}`));
});

withEngine.serial('lab up --runtime docker brings two container nodes to Ready', async (t) => {
  before = await hostSnapshot(name);
  const up = await lab(['up', '--name', name, '--runtime', 'docker', '--nodes', '2', '--lb-pool', 'none']);
  t.is(up.exitCode, 0, String(up.all));
  const client = clientFor(name);
  t.teardown(() => client.close());
  const nodes = (await client.list<Node>(types.nodes)).items;
  t.deepEqual(
    nodes.map((n) => [n.metadata.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.status]),
    [
      ['node1', 'True'],
      ['node2', 'True'],
    ],
  );
});

withEngine.serial('node containers are labelled, named after their node, unprivileged and without a Docker network', async (t) => {
  const containers = await labContainers(docker, name);
  t.deepEqual(containers.filter((c) => c.Labels['svclab.role'] === 'node').map((c) => c.Names[0]).sort(), [`/svclab-${name}-node1`, `/svclab-${name}-node2`]);
  for (const node of ['node1', 'node2']) {
    const c = await docker.getContainer(`svclab-${name}-${node}`).inspect();
    t.true(c.State.Running, node);
    t.is(c.Config.Hostname, node);
    t.like(c.Config.Labels, { 'svclab.lab': name, 'svclab.role': 'node', 'svclab.node': node });
    t.false(c.HostConfig.Privileged, `${node} is not --privileged`);
    t.deepEqual([...(c.HostConfig.CapAdd ?? [])].sort(), ['NET_ADMIN', 'SYS_ADMIN']);
    t.is(c.HostConfig.NetworkMode, 'none');
    t.deepEqual(Object.keys(c.NetworkSettings.Networks), ['none']);
    t.is((await onHost(node, ['hostname'])).stdout.trim(), node);
  }
});

withEngine.serial('nodes reach each other and the router over the lab network', async (t) => {
  t.is((await onHost('node1', ['ping', '-c', '1', '-W', '2', '172.18.0.3'])).exitCode, 0, 'node1 -> node2');
  t.is((await onHost('node2', ['ping', '-c', '1', '-W', '2', '172.18.0.2'])).exitCode, 0, 'node2 -> node1');
  t.is((await onHost('router', ['ping', '-c', '1', '-W', '2', '172.18.0.2'])).exitCode, 0, 'router -> node1');
  t.is((await onHost('node1', ['ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout.split(/\s+/)[3], '172.18.0.2/24');
  t.is((await onHost('node1', ['ip', 'route', 'show', 'default'])).stdout.trim(), 'default via 172.18.0.1 dev eth0');
});

withEngine.serial("a node's agent runs in its container's network, mount and pid namespaces and is restarted there after kill -9", async (t) => {
  // The supervised pid is nsenter; the agent is its child inside the container's pid namespace.
  const agentOf = (pid: number): number => Number(fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]);
  const inContainer = async (agent: number): Promise<void> => {
    t.regex(fs.readFileSync(`/proc/${agent}/cmdline`, 'utf8'), /agent\/main\.js\0/);
    const init = await containerPid('node1');
    for (const ns of ['net', 'mnt', 'pid', 'uts']) t.is(nsLink(agent, ns), nsLink(init, ns), ns);
    t.not(nsLink(agent, 'net'), nsLink(process.pid, 'net'));
  };
  const first = componentPid(name, 'agent-node1')!;
  const agent = agentOf(first);
  await inContainer(agent);

  process.kill(first, 'SIGKILL');
  const next = await waitFor('a restarted agent-node1', () => {
    const pid = componentPid(name, 'agent-node1');
    return pid !== undefined && pid !== first && fs.existsSync(`/proc/${pid}/task/${pid}/children`) && agentOf(pid) > 0 && pid;
  });
  await waitFor('the killed nsenter to take its agent along', () => dead(agent));
  await inContainer(agentOf(next));
});

withEngine.serial('lab down removes every container of the lab and leaves the host as it was', async (t) => {
  const down = await lab(['down', '--name', name]);
  t.is(down.exitCode, 0, String(down.all));
  t.deepEqual(await labContainers(docker, name), []);
  t.deepEqual(await hostSnapshot(name), before);
});
