// The docker container runtime, dockershim's shape: a pod is a pause container
// with network "none" that this agent wires like a CNI plugin (its netns is
// bind-mounted under /run/netns so the shared wiring works by name), and each
// container is a Docker container joined to it (NetworkMode container:<pause>).
// The agent runs in its node container; it reaches Docker through the mounted
// socket and the pods' namespaces through the host's /proc mounted at /host/proc.
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import Dockerode from 'dockerode';
import { run } from '../../../net/run.js';
import { poll, sleep } from '../../../util/poll.js';
import type { Adopted, Attached, AttachOptions, ContainerHandle, ContainerRequest, ExitInfo, LogReader, PodRuntime, PodRuntimeOptions } from './cri.js';
import { podImageRef } from './pod-image-ref.js';
import { dockerFrames, logLines, ttyFrames } from './docker-logs.js';
import type { ExecOptions, ExecProcess } from './exec.js';
import type { SandboxRecord, Sandboxes } from './sandbox.js';

const hostProc = '/host/proc';
const etcFiles = ['resolv.conf', 'hosts', 'hostname'];

function exitOf(code: number): ExitInfo {
  return code > 128 ? { exitCode: code, signal: code - 128 } : { exitCode: code };
}

/** One Docker container: one restart generation of one pod container. */
class DockerContainer implements ContainerHandle {
  readonly id: string;
  private exited?: ExitInfo;
  private readonly done: Promise<ExitInfo>;
  private attached = false;

  constructor(
    private readonly container: Dockerode.Container,
    exited?: ExitInfo,
    /** Started with a TTY: its log stream has no frame headers. */
    private readonly tty = false,
  ) {
    this.id = `docker://${container.id}`;
    this.exited = exited;
    this.done = exited ? Promise.resolve(exited) : this.watch();
  }

  private async watch(): Promise<ExitInfo> {
    // A wait can break (the engine restarted): fall back to asking until the container is gone or stopped.
    for (;;) {
      try {
        const r = (await this.container.wait()) as { StatusCode: number };
        return (this.exited = exitOf(r.StatusCode));
      } catch {
        try {
          const s = (await this.container.inspect()).State;
          if (!s.Running) return (this.exited = exitOf(s.ExitCode));
        } catch {
          return (this.exited = { exitCode: 137, signal: 9 }); // removed behind our back
        }
        await sleep(1000);
      }
    }
  }

  get exit(): ExitInfo | undefined {
    return this.exited;
  }

  wait(): Promise<ExitInfo> {
    return this.done;
  }

  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exited) return this.exited;
    // docker stop: SIGTERM (forwarded by docker-init), SIGKILL after t seconds.
    await this.container.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => undefined);
    return this.done;
  }

  /** docker exec (dockershim's way): the command joins every namespace of the container, its pid namespace too. */
  async exec(command: string[], o: ExecOptions): Promise<ExecProcess | undefined> {
    if (this.exited) return undefined;
    const exec = await this.container.exec({ Cmd: command, AttachStdin: o.stdin, AttachStdout: true, AttachStderr: true, Tty: o.tty, ...(o.tty ? { Env: ['TERM=xterm'] } : {}) });
    let stream: Duplex;
    try {
      stream = (await exec.start({ hijack: true, stdin: o.stdin, Tty: o.tty })) as Duplex;
    } catch (e) {
      const err = new PassThrough();
      err.end((e as Error).message);
      return { stdin: new PassThrough(), stdout: new PassThrough().end(), stderr: err, exited: Promise.resolve(126), kill: () => undefined };
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    if (o.tty) stream.pipe(stdout, { end: false });
    else this.container.modem.demuxStream(stream, stdout, stderr);
    // The command's end: its output stream ends, or (stdin still open, which keeps Docker's attach
    // open) docker reports the exec stopped; then what is in flight gets a moment to arrive.
    const exited = new Promise<number>((resolve) => {
      let over = false;
      const finish = async (): Promise<void> => {
        if (over) return;
        over = true;
        let info: Awaited<ReturnType<typeof exec.inspect>> | undefined;
        await poll(async () => !(info = await exec.inspect().catch(() => undefined))?.Running, { timeoutMs: 1000, everyMs: 20 });
        stdout.end();
        stderr.end();
        stream.destroy();
        resolve(info?.ExitCode ?? 1);
      };
      stream.once('end', () => void finish());
      stream.once('error', () => void finish());
      const ticker = setInterval(() => {
        if (over) return clearInterval(ticker);
        void exec.inspect().then(
          (info) => {
            if (info.Running) return;
            clearInterval(ticker);
            setTimeout(() => void finish(), 100);
          },
          () => undefined,
        );
      }, 200);
    });
    const stdin = new PassThrough();
    if (o.stdin) {
      stdin.on('data', (d: Buffer) => stream.write(d));
      stdin.on('end', () => stream.end()); // half-close: the command sees end of input
    }
    return { stdin, stdout, stderr, exited, kill: () => stream.destroy() };
  }

  /** docker attach: the container's own stdin (docker closes it after the first attach when StdinOnce) and output. */
  async attach(o: AttachOptions): Promise<Attached | undefined> {
    if (this.exited) return undefined;
    const replay = o.replay && !this.attached;
    this.attached = true;
    const info = await this.container.inspect();
    const withStdin = o.stdin && info.Config.OpenStdin;
    const stream = (await this.container.attach({ stream: true, logs: replay, stdin: withStdin, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    if (this.tty) stream.on('data', (d: Buffer) => stdout.write(d));
    else this.container.modem.demuxStream(stream, stdout, stderr);
    stream.on('error', () => stream.destroy());
    // Docker keeps an attach with stdin open after the container exits: the exit ends it (what is in flight gets a moment).
    const finish = (): void => {
      stream.destroy();
      for (const out of [stdout, stderr]) if (!out.writableEnded) out.end();
    };
    for (const out of [stdout, stderr]) out.on('error', () => undefined); // a late demuxed chunk after the end
    stream.once('close', finish);
    void this.done.then(() => setTimeout(finish, 100));
    let stdin: PassThrough | undefined;
    if (withStdin) {
      stdin = new PassThrough();
      stdin.on('data', (d: Buffer) => stream.write(d));
      stdin.on('end', () => stream.end()); // half-close: a StdinOnce container sees the end of its input
    }
    return {
      stdin,
      stdout,
      stderr: this.tty ? stderr.end() : stderr,
      detach: finish,
    };
  }

  async logs(): Promise<LogReader> {
    const first = (await this.container.logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as unknown as Buffer;
    const frames = this.tty ? ttyFrames : dockerFrames;
    const seen = logLines(frames(first));
    const container = this.container;
    const running = (): boolean => !this.exited;
    return {
      text: seen.text,
      follow(onData, onEnd) {
        if (!running()) {
          onEnd();
          return () => undefined;
        }
        let stream: NodeJS.ReadableStream | undefined;
        let cancelled = false;
        const since = seen.last / 1_000_000_000n;
        void container
          .logs({ stdout: true, stderr: true, timestamps: true, follow: true, since: Number(since) })
          .then((s) => {
            stream = s;
            if (cancelled) return (s as unknown as { destroy(): void }).destroy();
            let pending = Buffer.alloc(0);
            s.on('data', (d: Buffer) => {
              pending = Buffer.concat([pending, d]);
              const cut = frames(pending);
              pending = pending.subarray(cut.consumed);
              const more = logLines(cut, seen.last);
              seen.last = more.last;
              if (more.text) onData(more.text);
            });
            s.on('end', onEnd);
            s.on('error', onEnd);
          }, onEnd);
        return () => {
          cancelled = true;
          (stream as unknown as { destroy(): void } | undefined)?.destroy();
        };
      },
    };
  }
}

export class DockerPodRuntime implements PodRuntime {
  readonly name = 'docker';

  private constructor(
    private readonly docker: Dockerode,
    readonly sandboxes: Sandboxes,
    private readonly o: PodRuntimeOptions,
  ) {}

  static async connect(sandboxes: Sandboxes, o: PodRuntimeOptions): Promise<DockerPodRuntime> {
    const docker = new Dockerode(); // DOCKER_HOST, else the mounted /var/run/docker.sock
    await docker.ping();
    return new DockerPodRuntime(docker, sandboxes, o);
  }

  private labels(rec: SandboxRecord, container: string, restart: number): Record<string, string> {
    return {
      'svclab.lab': this.o.lab,
      'svclab.node': this.o.nodeName,
      'svclab.role': 'pod',
      'svclab.restart': String(restart),
      'io.kubernetes.pod.name': rec.name,
      'io.kubernetes.pod.namespace': rec.namespace,
      'io.kubernetes.pod.uid': rec.uid,
      'io.kubernetes.container.name': container,
    };
  }

  /** The pod's /etc files, bind-mounted into each of its containers (paths are the same on the host). */
  private etcBinds(rec: SandboxRecord): string[] {
    return etcFiles.map((f) => `${path.join(this.sandboxes.podDir(rec.uid), 'etc', f)}:/etc/${f}`);
  }

  private containerName(rec: SandboxRecord, container: string, restart: number): string {
    return `k8s_${container}_${rec.name}_${rec.namespace}_${rec.uid}_${restart}`;
  }

  async createSandbox(pod: { uid: string; namespace: string; name: string; hostname: string }): Promise<SandboxRecord> {
    const rec = this.sandboxes.reserve(pod.uid, pod.namespace, pod.name);
    // Bind sources must be files before Docker sees them (it would make directories).
    fs.mkdirSync(path.join(this.sandboxes.podDir(rec.uid), 'etc'), { recursive: true });
    for (const f of etcFiles) fs.writeFileSync(path.join(this.sandboxes.podDir(rec.uid), 'etc', f), '');
    const pause = await this.docker.createContainer({
      name: this.containerName(rec, 'POD', 0),
      Image: podImageRef('pause'),
      Entrypoint: ['sleep', 'infinity'],
      Hostname: pod.hostname,
      Labels: this.labels(rec, 'POD', 0),
      HostConfig: { NetworkMode: 'none', IpcMode: 'shareable', Init: true, Binds: this.etcBinds(rec) },
    });
    rec.pauseId = pause.id;
    this.sandboxes.save(rec);
    await pause.start();
    const pid = (await pause.inspect()).State.Pid;
    // `ip netns attach` by hand: our pid namespace cannot see the pause process, the host's /proc can.
    fs.mkdirSync('/run/netns', { recursive: true });
    fs.writeFileSync(`/run/netns/${rec.netns}`, '');
    const r = await run('mount', ['--bind', `${hostProc}/${pid}/ns/net`, `/run/netns/${rec.netns}`]);
    if (r.exitCode !== 0) throw new Error(`attaching the pod network namespace: ${r.stderr.trim()}`);
    await this.sandboxes.wire(rec);
    return rec;
  }

  writeEtc(rec: SandboxRecord, files: Record<string, string>): void {
    // Rewritten in place: the bind mounts follow the inode.
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(this.sandboxes.podDir(rec.uid), 'etc', file), content);
  }

  private async containersOf(uid: string, container?: string): Promise<Dockerode.ContainerInfo[]> {
    const label = [`io.kubernetes.pod.uid=${uid}`, ...(container ? [`io.kubernetes.container.name=${container}`] : [])];
    return this.docker.listContainers({ all: true, filters: { label } });
  }

  async destroySandbox(rec: SandboxRecord): Promise<void> {
    for (const c of await this.containersOf(rec.uid)) await this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    await run('umount', [`/run/netns/${rec.netns}`]);
    fs.rmSync(`/run/netns/${rec.netns}`, { force: true });
    await this.sandboxes.release(rec);
  }

  async startContainer(rec: SandboxRecord, req: ContainerRequest): Promise<ContainerHandle> {
    const name = this.containerName(rec, req.name, req.restart);
    // Older generations than the previous one are not kept (kubelet keeps one dead container for logs).
    for (const c of await this.containersOf(rec.uid, req.name)) {
      const restart = Number(c.Labels['svclab.restart']);
      if (restart < req.restart - 1 || restart === req.restart) await this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    const container = await this.docker.createContainer({
      name,
      Image: podImageRef(req.image),
      Entrypoint: req.argv,
      Cmd: [],
      Env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: '/',
      Labels: this.labels(rec, req.name, req.restart),
      OpenStdin: req.stdin,
      StdinOnce: req.stdinOnce,
      Tty: req.tty,
      // docker stop sends it (docker-init passes it on).
      ...(req.stopSignal ? { StopSignal: req.stopSignal } : {}),
      // The mounts' sources are in the pod's state directory, at the same path on the host.
      HostConfig: { NetworkMode: `container:${rec.pauseId}`, IpcMode: `container:${rec.pauseId}`, Init: true, Binds: [...this.etcBinds(rec), ...(req.mounts ?? []).map((m) => `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`)] },
    });
    await container.start();
    return new DockerContainer(container, undefined, req.tty);
  }

  async adoptContainer(rec: SandboxRecord, name: string): Promise<Adopted | undefined> {
    const gens = (await this.containersOf(rec.uid, name)).sort((a, b) => Number(b.Labels['svclab.restart']) - Number(a.Labels['svclab.restart']));
    if (gens.length === 0) return undefined;
    const handle = async (info: Dockerode.ContainerInfo): Promise<{ c: DockerContainer; startedAt: Date }> => {
      const container = this.docker.getContainer(info.Id);
      const i = await container.inspect();
      const s = i.State;
      return { c: new DockerContainer(container, s.Running ? undefined : exitOf(s.ExitCode), i.Config.Tty), startedAt: new Date(s.StartedAt) };
    };
    const newest = await handle(gens[0]!);
    const previous = gens[1] ? (await handle(gens[1])).c : undefined;
    return { handle: newest.c, restart: Number(gens[0]!.Labels['svclab.restart']), startedAt: newest.startedAt, previous };
  }
}
