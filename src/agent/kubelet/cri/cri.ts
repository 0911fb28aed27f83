// The kubelet's container runtime interface (CRI's idea, in-process): pod
// sandboxes and container generations. The pod worker only talks to this, so
// the netns and docker runtimes differ here alone.
import type { Readable, Writable } from 'node:stream';
import type { ExecOptions, ExecProcess } from './exec.js';
import type { ContainerSecurity } from './security.js';
import type { SandboxRecord, Sandboxes } from './sandbox.js';

/** What createPodRuntime (index.ts) hands a runtime about its node. */
export interface PodRuntimeOptions {
  lab: string;
  nodeName: string;
  podCIDR: string;
  stateDir: string;
  /** The pod interfaces' MTU (multi-host labs: the overlay's); absent: the kernel's default. */
  mtu?: number;
}

export interface ExitInfo {
  exitCode: number;
  signal?: number;
}

/** One run (one restart generation) of one container. */
export interface ContainerHandle {
  /** Kubernetes' containerID: "<runtime>://<id>". */
  readonly id: string;
  /** The exit, once known (synchronous: the status is computed from it). */
  readonly exit: ExitInfo | undefined;
  wait(): Promise<ExitInfo>;
  /** The image's stop signal (SIGTERM unless it names another), SIGKILL after the grace period. */
  stop(graceMs: number): Promise<ExitInfo>;
  /** Runs a command inside the running container (undefined: it is not running). */
  exec(command: string[], o: ExecOptions): Promise<ExecProcess | undefined>;
  /** What the container printed so far; follow() streams the rest until it exits or cancel() is called. */
  logs(): Promise<LogReader>;
  /** kubectl attach: the running container's own stdin and output (undefined: it is not running). */
  attach(o: AttachOptions): Promise<Attached | undefined>;
}

export interface AttachOptions {
  /** The client sends stdin (ignored when the container was not started with stdin, as upstream). */
  stdin: boolean;
  /** Replay what the container printed before (the first attach of `kubectl run -i`). */
  replay: boolean;
}

export interface Attached {
  /** Present when both the container and the client have stdin; end() closes it for a stdinOnce container. */
  stdin?: Writable;
  stdout: Readable;
  /** Empty with a tty, or when the runtime keeps one stream for both. */
  stderr: Readable;
  /** The container's output ends (it exited) or detach() was called. */
  detach(): void;
}

export interface LogReader {
  text: string;
  follow(onData: (chunk: string) => void, onEnd: () => void): () => void;
}

export interface ContainerRequest {
  name: string;
  restart: number;
  image: string;
  argv: string[];
  env: Record<string, string>;
  hostname: string;
  /** spec.containers[].stdin/stdinOnce/tty: an attachable stdin, closed after the first attach ends; a terminal. */
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  /** From the pod's and the container's securityContext. */
  security: ContainerSecurity;
  /** The image's STOPSIGNAL (nginx: SIGQUIT, its graceful stop), as containerd sends it; SIGTERM when unset. */
  stopSignal?: NodeJS.Signals;
  /** Host directories the container sees at containerPath (the projected service-account token, ...). */
  mounts?: Mount[];
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

export interface Adopted {
  handle: ContainerHandle;
  restart: number;
  startedAt: Date;
  previous?: ContainerHandle;
}

export interface PodRuntime {
  readonly name: 'netns' | 'docker';
  /** The pods' sandbox records and state directories, shared by every runtime. */
  readonly sandboxes: Sandboxes;
  createSandbox(pod: { uid: string; namespace: string; name: string; hostname: string }): Promise<SandboxRecord>;
  /** The pod's resolv.conf, hosts and hostname files. */
  writeEtc(rec: SandboxRecord, files: Record<string, string>): void;
  /** Kills whatever still runs in the sandbox and removes every trace of it. */
  destroySandbox(rec: SandboxRecord): Promise<void>;
  startContainer(rec: SandboxRecord, req: ContainerRequest): Promise<ContainerHandle>;
  /** The newest generation of a container an earlier agent started, with its restart number. */
  adoptContainer(rec: SandboxRecord, name: string): Promise<Adopted | undefined>;
}
