// The Docker engine as the lab sees it: where it is (DOCKER_HOST honoured, as
// the docker CLI does), whether it answers, and the containers labelled as a lab's.
import { createRequire } from 'node:module';
import type Dockerode from 'dockerode';

/** Labels on everything a lab makes in Docker; `lab down`/`lab clean` remove by them. */
export const labels = { lab: 'svclab.lab', role: 'svclab.role', node: 'svclab.node' } as const;

// HostConfig.Init needs API 1.25 (Docker 1.13).
const minApiVersion = '1.25';
const answerWithinMs = 3000;

export class EngineUnreachable extends Error {}

export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** The engine's unix socket on this host, to bind into node containers; undefined for tcp:// engines. */
export function engineSocket(): string | undefined {
  const address = engineAddress();
  return address.startsWith('unix://') ? address.slice('unix://'.length) || '/var/run/docker.sock' : undefined;
}

// Loaded on first use: dockerode costs ~28 MB RSS, and every lab process imports the runtimes.
export function connect(): Dockerode {
  const Docker = createRequire(import.meta.url)('dockerode') as typeof Dockerode;
  return new Docker();
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { statusCode?: number };
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return `no answer within ${answerWithinMs / 1000} s`;
  if (err.syscall && err.code) return `${err.syscall} ${err.code}`;
  return err.statusCode ? `HTTP ${err.statusCode}` : err.message;
}

function older(version: string, than: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = than.split('.').map(Number);
  return a < c || (a === c && b < d);
}

/** Resolves when the engine answers with a recent enough API; otherwise throws EngineUnreachable with one line. */
export async function requireEngine(docker: Dockerode): Promise<void> {
  // dockerode takes an abortSignal here; its type definitions do not say so.
  const version = docker.version.bind(docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<Dockerode.DockerVersion>;
  let v: Dockerode.DockerVersion;
  try {
    v = await version({ abortSignal: AbortSignal.timeout(answerWithinMs) });
  } catch (e) {
    throw new EngineUnreachable(`cannot reach the Docker engine at ${engineAddress()} (${reason(e)}): start it (apt-get install docker.io; dockerd &) or set DOCKER_HOST`);
  }
  if (older(v.ApiVersion, minApiVersion)) {
    throw new EngineUnreachable(`the Docker engine at ${engineAddress()} speaks API ${v.ApiVersion} (Docker ${v.Version}); the docker runtime needs API ${minApiVersion} or newer`);
  }
}

export async function reachable(docker: Dockerode): Promise<boolean> {
  return requireEngine(docker).then(
    () => true,
    () => false,
  );
}

/** Every container (running or not) of one lab, or of every lab. */
export function labContainers(docker: Dockerode, lab?: string): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [lab ? `${labels.lab}=${lab}` : labels.lab] } });
}

export async function removeLabContainers(docker: Dockerode, lab: string): Promise<void> {
  const containers = await labContainers(docker, lab);
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404 && e.statusCode !== 409) throw e; // gone, or being removed already
        }),
    ),
  );
}

/** Names of labs that have containers. */
export async function labsWithContainers(docker: Dockerode): Promise<string[]> {
  return labsOfContainers(await labContainers(docker));
}

/** The labs that containers belong to, by their label (containers without one are not a lab's). */
export function labsOfContainers(containers: Pick<Dockerode.ContainerInfo, 'Labels'>[]): string[] {
  return [...new Set(containers.flatMap((c) => (c.Labels?.[labels.lab] ? [c.Labels[labels.lab]!] : [])))];
}
