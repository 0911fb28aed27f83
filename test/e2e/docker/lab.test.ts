import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { isReady, readyCondition } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import type { Node, Pod, Service } from '../../../src/api/types.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { listNetns } from '../../../src/net/ip.js';
import { connect, labContainers, reachable } from '../../../src/runtime/docker/engine.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, componentPid, lab, labName, repo, waitFor } from '../../helpers/lab.js';
import { dockerE2e, e2e } from '../../helpers/root.js';

const name = labName('dk');
const docker = connect();
const engineUp = await reachable(docker);
const it = e2e(anyTest);
// Needs an engine; outside CI, a host without one skips (with the reason), under CI it fails.
const withEngine: TestFn = await dockerE2e(anyTest);

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
  const up = await lab(['up', '--name', name, '--runtime', 'docker', '--nodes', '2', '--lb-pool', 'none', '--node-grace-period', '4']);
  t.is(up.exitCode, 0, String(up.all));
  const client = clientFor(name);
  t.teardown(() => client.close());
  const nodes = (await client.list<Node>(types.nodes)).items;
  t.deepEqual(
    nodes.map((n) => [n.metadata.name, readyCondition(n)?.status]),
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
  // The supervised pid is a guard that execs nsenter; the agent is its child inside the container's pid namespace.
  const cmdline = (pid: number): string => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };
  const children = (pid: number): number[] => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const descendants = (pid: number): number[] => children(pid).flatMap((c) => [c, ...descendants(c)]);
  const isAgent = (pid: number): boolean => cmdline(pid).startsWith(`${process.execPath}\0`) && /agent\/main\.js\0/.test(cmdline(pid));
  const agentUnder = (supervised: number): Promise<number> =>
    waitFor(`the agent program under ${supervised}`, () => descendants(supervised).find(isAgent));
  const inContainer = async (agent: number): Promise<void> => {
    const init = await containerPid('node1');
    for (const ns of ['net', 'mnt', 'pid', 'uts']) t.is(nsLink(agent, ns), nsLink(init, ns), ns);
    t.not(nsLink(agent, 'net'), nsLink(process.pid, 'net'));
  };
  const first = componentPid(name, 'agent-node1')!;
  const agent = await agentUnder(first);
  await inContainer(agent);

  process.kill(first, 'SIGKILL');
  const next = await waitFor('a restarted agent-node1', () => {
    const pid = componentPid(name, 'agent-node1');
    return pid !== undefined && pid !== first && pid;
  });
  await waitFor('the killed nsenter to take its agent along', () => dead(agent));
  await inContainer(await agentUnder(next));
});

function hello(podName: string, node: string): Pod {
  return {
    metadata: { name: podName, labels: { app: 'web' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/hello', readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] },
  } as Pod;
}

async function readyPod(podName: string, restarts = 0): Promise<Pod> {
  const client = clientFor(name);
  try {
    return await waitFor(`pod ${podName} Ready after ${restarts} restarts`, async () => {
      const p = await client.get<Pod>(types.pods, podName, 'default');
      const ready = isReady(p);
      return ready && p.status!.containerStatuses![0]!.restartCount === restarts && p;
    }, 30_000, 200);
  } finally {
    client.close();
  }
}

withEngine.serial('a pod is a pause container with network none plus its container joined to it, named as on a dockershim node', async (t) => {
  const client = clientFor(name);
  t.teardown(() => client.close());
  await client.create(types.pods, hello('web1', 'node1'), 'default');
  await client.create(types.pods, hello('web2', 'node2'), 'default');
  await client.create(types.services, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as Service, 'default');
  const p = await readyPod('web1');
  const uid = p.metadata.uid!;
  const pause = await docker.getContainer(`k8s_POD_web1_default_${uid}_0`).inspect();
  const app = await docker.getContainer(`k8s_main_web1_default_${uid}_0`).inspect();
  t.is(pause.HostConfig.NetworkMode, 'none');
  t.is(app.HostConfig.NetworkMode, `container:${pause.Id}`);
  t.like(app.Config.Labels, { 'svclab.lab': name, 'svclab.node': 'node1', 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': 'main' });
  t.is(app.Config.Image, 'svclab.local/lab/hello:latest');
  t.is(p.status!.containerStatuses![0]!.containerID, `docker://${app.Id}`);
  // The pod's IP is on the pause container's eth0, wired by node1's agent.
  t.is(nsLink(app.State.Pid, 'net'), nsLink(pause.State.Pid, 'net'));
  const addr = await execa('nsenter', [`--net=/proc/${pause.State.Pid}/ns/net`, 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']);
  t.is(addr.stdout.split(/\s+/)[3], `${p.status!.podIP}/32`);
  const r = await onHost('node2', ['curl', '-s', '--max-time', '3', `http://${p.status!.podIP}:8080/json`]);
  t.like(JSON.parse(r.stdout), { pod: 'web1', ip: p.status!.podIP });
  // exec is docker exec: the command is in the container's pid namespace, so /proc/$$ is itself.
  const exec = await lab(['exec', '--name', name, 'web1', '--', 'sh', '-c', 'hostname; readlink /proc/$$/exe']);
  t.is(String(exec.stdout), 'web1\n/usr/bin/dash');
});

withEngine.serial("docker kill of a pod's container restarts it per restartPolicy, counted, with the previous run's logs", async (t) => {
  const p = await readyPod('web1');
  const uid = p.metadata.uid!;
  await docker.getContainer(`k8s_main_web1_default_${uid}_0`).kill();
  const after = await readyPod('web1', 1);
  const last = after.status!.containerStatuses![0]!.lastState?.terminated;
  t.is(last?.exitCode, 137);
  const second = await docker.getContainer(`k8s_main_web1_default_${uid}_1`).inspect();
  t.true(second.State.Running);
  t.is(after.status!.containerStatuses![0]!.containerID, `docker://${second.Id}`);
  const previous = await lab(['logs', '--name', name, '-p', 'web1']);
  t.regex(String(previous.stdout), /^hello: web1 listening on /m);
});

withEngine.serial("docker kill of a node container loses the node: NotReady, and its endpoints leave the other nodes' rules", async (t) => {
  const web2 = await readyPod('web2');
  const rules = async (): Promise<string> => (await onHost('node1', ['iptables-save', '-t', 'nat'])).stdout;
  t.regex(await rules(), new RegExp(`-j DNAT --to-destination ${web2.status!.podIP!.replaceAll('.', '\\.')}:8080`));
  await docker.getContainer(`svclab-${name}-node2`).kill();
  const client = clientFor(name);
  t.teardown(() => client.close());
  await waitFor('node2 NotReady', async () => !isReady(await client.get<Node>(types.nodes, 'node2')), 30_000, 200);
  await waitFor("web2's endpoint gone from node1's rules", async () => !(await rules()).includes(`${web2.status!.podIP}:8080`), 30_000, 200);
  // The node's network went with it (the kernel tears a namespace down asynchronously): its pods become
  // unreachable, as on a lost machine.
  const unreachable = async (): Promise<boolean> => (await onHost('node1', ['curl', '-s', '--max-time', '1', `http://${web2.status!.podIP}:8080/`])).exitCode !== 0;
  await waitFor(`${web2.status!.podIP} unreachable from node1`, unreachable, 30_000, 500);
  t.is((await onHost('router', ['ping', '-c', '1', '-W', '1', '172.18.0.3'])).exitCode, 1);
});

withEngine.serial('lab down removes every container of the lab and leaves the host as it was', async (t) => {
  const down = await lab(['down', '--name', name]);
  t.is(down.exitCode, 0, String(down.all));
  t.deepEqual(await labContainers(docker, name), []);
  t.deepEqual(await hostSnapshot(name), before);
});
