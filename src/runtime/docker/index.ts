// Nodes as Docker containers. Containers get no Docker network at all ("none"):
// the lab wires them like netns nodes, by attaching each container's network
// namespace under the node's namespace name for the time of the wiring, so Docker
// never adds a link, bridge or rule to the host. Switch, router, outside and
// external stay namespaces.
import fs from 'node:fs';
import path from 'node:path';
import type Dockerode from 'dockerode';
import type { LabPlan, NodePlan } from '../../lab/plan.js';
import { nodeCredentials, pkiDir } from '../../lab/credentials.js';
import { labDir } from '../../lab/state.js';
import { createTopology, forwarding, NetnsRuntime } from '../netns/index.js';
import type { Runtime } from '../runtime.js';
import { ipBatch } from '../../net/ip.js';
import { run } from '../../net/run.js';
import { connect, engineAddress, engineSocket, EngineUnreachable, labels, labsWithContainers, reachable, removeLabContainers, requireEngine } from './engine.js';

/** What the synchronous node commands need to know about a node's running container. */
interface NodeContainer {
  id: string;
  pid: number;
  /** Start time of `pid` (clock ticks after boot, /proc/<pid>/stat): tells the container's init from a later process with a recycled pid. */
  pidStart: string;
}

function containersDir(lab: string): string {
  return path.join(labDir(lab), 'docker');
}

function containerFile(lab: string, node: string): string {
  return path.join(containersDir(lab), `${node}.json`);
}

function containerName(lab: string, node: string): string {
  return `svclab-${lab}-${node}`;
}

function pidStart(pid: number): string {
  // Field 22; the command name (field 2) may hold spaces, so count from its closing parenthesis.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

// Runs the rest of argv only while the recorded container init still lives; a killed
// node container is a lost node, its agent is not started anywhere else.
const whileContainerLives =
  'sed "s/^.*) //" /proc/$1/stat 2>/dev/null | cut -d" " -f20 | grep -qx "$2" || { echo "the container of $3 is gone: the node stays lost until lab down" >&2; exit 1; }; shift 3; exec "$@"';

/**
 * On a joined machine a node container sees nothing of the lab's pki/ but its own node's certificate, key
 * and the lab's CA, read-only: an empty tmpfs over pki/ (other nodes' keys stay outside), the three files
 * bound into it (Docker mounts the deeper paths after it). The certificates exist before the nodes do.
 */
function credentialMounts(plan: LabPlan, node: NodePlan): Dockerode.MountSettings[] {
  if (!plan.joined) return [];
  const own = Object.values(nodeCredentials(plan.name, node.name)).map((f): Dockerode.MountSettings => ({ Type: 'bind', Source: f, Target: f, ReadOnly: true }));
  return [{ Type: 'tmpfs', Target: pkiDir(plan.name), TmpfsOptions: { Mode: 0o700 } } as Dockerode.MountSettings, ...own];
}

export class DockerRuntime implements Runtime {
  readonly name = 'docker';
  private readonly netns = new NetnsRuntime();
  private engine?: Dockerode;

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  private docker(): Dockerode {
    return (this.engine ??= connect());
  }

  async check(): Promise<string[]> {
    const problems = await this.netns.check();
    try {
      await requireEngine(this.docker());
    } catch (e) {
      if (!(e instanceof EngineUnreachable)) throw e;
      problems.unshift(e.message);
    }
    return problems;
  }

  async create(plan: LabPlan): Promise<void> {
    const docker = this.docker();
    await requireEngine(docker);
    const { ensureImage } = await import('./node-image.js');
    const image = await ensureImage(docker, this.log);
    fs.mkdirSync(containersDir(plan.name), { recursive: true });
    const pids = new Map(await Promise.all(plan.nodes.map(async (n) => [n.name, (await this.startNode(docker, plan, n, image)).pid] as const)));
    await createTopology(plan, (n) => `netns attach ${n.netns} ${pids.get(n.name)}`);
    // The names were only for the wiring: a name would keep a killed node's namespace (and its pods'
    // links, rules and routes) alive. Without it, `docker kill` of a node takes its network down, as a lost machine.
    await ipBatch(plan.nodes.map((n) => `netns del ${n.netns}`));
  }

  private async startNode(docker: Dockerode, plan: LabPlan, node: NodePlan, image: string): Promise<NodeContainer> {
    const socket = engineSocket();
    const container = await docker.createContainer({
      name: containerName(plan.name, node.name),
      Hostname: node.name,
      Image: image,
      Cmd: ['sleep', 'infinity'], // the agent is started by the lab's supervisor, not by Docker
      Labels: { [labels.lab]: plan.name, [labels.role]: 'node', [labels.node]: node.name },
      Env: socket ? [] : [`DOCKER_HOST=${engineAddress()}`],
      HostConfig: {
        NetworkMode: 'none',
        Init: true,
        CapAdd: ['NET_ADMIN', 'SYS_ADMIN'],
        Sysctls: Object.fromEntries(Object.entries(forwarding).map(([k, v]) => [k, String(v)])),
        Binds: [
          // same paths inside: what the agent hands to Docker for pods are host paths
          `${labDir(plan.name)}:${labDir(plan.name)}`,
          '/proc:/host/proc:ro',
          '/lib/modules:/lib/modules:ro',
          ...(socket ? [`${socket}:${socket}`] : []),
        ],
        Mounts: credentialMounts(plan, node),
      },
    });
    await container.start();
    const pid = (await container.inspect()).State.Pid;
    // Docker mounts /proc/sys read-only; the agent sets per-interface sysctls (proxy_arp on pod veths) as
    // kube-proxy and CNI plugins do, so only the node's own net.* (per network namespace) is made writable.
    const rw = await run('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', 'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net']);
    if (rw.exitCode !== 0) throw new Error(`making ${node.name}'s /proc/sys/net writable: ${rw.stderr.trim()}`);
    const record: NodeContainer = { id: container.id, pid, pidStart: pidStart(pid) };
    fs.writeFileSync(containerFile(plan.name, node.name), JSON.stringify(record) + '\n');
    return record;
  }

  async destroy(labName: string): Promise<void> {
    // Without an engine nothing of the lab runs there; its containers stay labelled for `lab clean`.
    const docker = this.docker();
    if (await reachable(docker)) await removeLabContainers(docker, labName);
    await this.netns.destroy(labName);
  }

  nodeCommand(plan: LabPlan, node: NodePlan, argv: string[]): string[] {
    const c = JSON.parse(fs.readFileSync(containerFile(plan.name, node.name), 'utf8')) as NodeContainer;
    return [
      'sh',
      '-c',
      whileContainerLives,
      'sh',
      String(c.pid),
      c.pidStart,
      node.name,
      // The container's network, hostname, filesystem, IPC and pids: the node's processes die with it.
      // nsenter forks into the pid namespace; the parent death signal makes a SIGKILL to
      // nsenter (the supervised pid) take the agent with it.
      'nsenter',
      '-t',
      String(c.pid),
      '-n',
      '-u',
      '-m',
      '-i',
      '-p',
      '--',
      'setpriv',
      '--pdeathsig',
      'KILL',
      '--',
      ...argv,
    ];
  }

  hostCommand(plan: LabPlan, host: string, argv: string[]): string[] {
    const node = plan.nodes.find((n) => n.name === host);
    return node ? this.nodeCommand(plan, node, argv) : this.netns.hostCommand(plan, host, argv);
  }

  async leftovers(): Promise<string[]> {
    const docker = this.docker();
    const labs = (await reachable(docker)) ? await labsWithContainers(docker) : [];
    return [...new Set([...labs, ...(await this.netns.leftovers())])];
  }

  /** The node image and its pod tags (rebuilt in about 2 s on the next docker lab), when an engine answers. */
  async removeImages(): Promise<string[]> {
    const docker = this.docker();
    if (!(await reachable(docker))) return [];
    const { removeImages } = await import('./node-image.js');
    return removeImages(docker);
  }
}
