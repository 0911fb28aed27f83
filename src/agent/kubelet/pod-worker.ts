// One pod on this node: its sandbox, its containers (start, restart with
// back-off per restartPolicy, liveness kills, readiness), its status and its
// graceful end. Everything it learns is reported through the pod's status.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Container, ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '../../api/types.js';
import { timestamp } from '../../api/types.js';
import { expand } from './env.js';
import { catalogueNames, commandLine, resolveImage } from './images.js';
import { hostsFile, podHostname, resolvConf } from './pod-files.js';
import { ContainerProcess, type ExitInfo } from './process.js';
import { ProbeWorker, runProbe, type ProbeKind } from './probes.js';
import type { SandboxRecord } from './sandbox.js';
import type { KubeletContext } from './context.js';

export const backoff = { baseMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

interface ContainerRun {
  spec: Container;
  restartCount: number;
  proc?: ContainerProcess;
  startedAt?: string;
  startedMs?: number;
  lastTerminated?: ContainerState['terminated'];
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
  probes: ProbeWorker[];
  retryTimer?: NodeJS.Timeout;
  failures: number;
  containerID?: string;
}

function containerID(uid: string, name: string, restart: number): string {
  return `svclab://${crypto.createHash('sha256').update(`${uid}/${name}/${restart}`).digest('hex')}`;
}

export function terminatedState(info: ExitInfo, startedAt: string | undefined, id: string | undefined): NonNullable<ContainerState['terminated']> {
  const reason = info.exitCode === 0 ? 'Completed' : 'Error';
  return { exitCode: info.exitCode, ...(info.signal ? { signal: info.signal } : {}), reason, startedAt, finishedAt: timestamp(), ...(id ? { containerID: id } : {}) } as NonNullable<ContainerState['terminated']>;
}

/** The parts of a pod status only the kubelet decides, to notice when the API holds another. */
function summary(s: PodStatus | undefined): string {
  return JSON.stringify([s?.phase, s?.podIP, (s?.conditions ?? []).filter((c) => c.type === 'Ready' || c.type === 'ContainersReady').map((c) => `${c.type}=${c.status}`).sort(), (s?.containerStatuses ?? []).map((c) => [c.name, c.ready, c.restartCount, Object.keys(c.state ?? {})])]);
}

export class PodWorker {
  private sandbox?: SandboxRecord;
  private readonly runs = new Map<string, ContainerRun>();
  private terminating?: Promise<void>;
  private startTime = timestamp();
  private lastStatus = '';
  private statusTimer?: NodeJS.Timeout;
  private statusInFlight = false;
  private statusDirty = false;
  private setupDone?: Promise<void>;

  constructor(
    private pod: Pod,
    private readonly ctx: KubeletContext,
  ) {}

  get uid(): string {
    return this.pod.metadata.uid!;
  }

  private get ref(): string {
    return `${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`;
  }

  private containerDir(name: string): string {
    return path.join(this.ctx.sandboxes.podDir(this.uid), 'containers', name);
  }

  logFile(name: string, restart: number): string {
    return path.join(this.containerDir(name), `${restart}.log`);
  }

  /** The newest pod object from the informer. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      void this.terminate();
      return;
    }
    // Someone else changed the status (the node controller marks pods not Ready on a lost node):
    // report ours again, as kubelet's status manager reconciles.
    if (this.lastStatus && !this.statusInFlight && summary(pod.status) !== summary(JSON.parse(this.lastStatus) as PodStatus)) {
      this.lastStatus = '';
      this.reportStatus();
    }
    this.setupDone ??= this.setup().catch((e) => {
      console.error(`kubelet: pod ${this.ref}: ${(e as Error).message}`);
      this.ctx.events.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
    });
  }

  private async setup(): Promise<void> {
    const existing = this.ctx.sandboxes.get(this.uid);
    this.sandbox = existing ?? (await this.ctx.sandboxes.create(this.uid, this.pod.metadata.namespace!, this.pod.metadata.name!));
    const startFile = path.join(this.ctx.sandboxes.podDir(this.uid), 'started');
    if (existing && fs.existsSync(startFile)) this.startTime = fs.readFileSync(startFile, 'utf8');
    else fs.writeFileSync(startFile, this.startTime);
    this.ctx.sandboxes.writeEtc(this.sandbox, {
      'resolv.conf': resolvConf(this.pod, this.ctx.dns),
      hosts: hostsFile(this.pod, this.sandbox.ip, this.ctx.dns.clusterDomain),
      hostname: `${podHostname(this.pod)}\n`,
    });
    for (const c of this.pod.spec.containers) {
      const run: ContainerRun = { spec: c, restartCount: 0, ready: false, started: false, probes: [], failures: 0 };
      this.runs.set(c.name, run);
      if (existing && this.adopt(run)) continue;
      await this.start(run);
    }
    this.reportStatus();
  }

  /** Re-attaches to the newest generation of a container an earlier agent started. */
  private adopt(run: ContainerRun): boolean {
    const dir = this.containerDir(run.spec.name);
    const generations = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => b - a) : [];
    if (generations.length === 0) return false;
    const restart = generations[0]!;
    const proc = ContainerProcess.adopt(path.join(dir, String(restart)), this.logFile(run.spec.name, restart));
    if (!proc) return false;
    run.restartCount = restart;
    run.proc = proc;
    run.containerID = containerID(this.uid, run.spec.name, restart);
    const stat = fs.statSync(path.join(dir, String(restart)));
    run.startedAt = timestamp(stat.mtime);
    run.startedMs = stat.mtimeMs;
    this.startProbes(run);
    void proc.wait().then((info) => this.onExit(run, proc, info));
    return true;
  }

  private async start(run: ContainerRun): Promise<void> {
    if (this.terminating || !this.sandbox) return;
    const c = run.spec;
    const image = resolveImage(c.image ?? '');
    if (!image) {
      const first = run.waiting?.reason !== 'ErrImagePull' && run.waiting?.reason !== 'ImagePullBackOff';
      const message = `image not in the svclab catalogue (known: ${catalogueNames().join(', ')})`;
      if (first) {
        this.ctx.events.event(this.pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
        this.ctx.events.event(this.pod, 'Warning', 'Failed', `Failed to pull image "${c.image}": ${message}`);
        this.ctx.events.event(this.pod, 'Warning', 'Failed', 'Error: ErrImagePull');
        run.waiting = { reason: 'ErrImagePull', message: `failed to pull image "${c.image}": ${message}` };
      } else {
        this.ctx.events.event(this.pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
        run.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` };
      }
      this.reportStatus();
      run.failures++;
      run.retryTimer = setTimeout(() => void this.start(run), Math.min(backoff.baseMs * 2 ** run.failures, backoff.maxMs));
      return;
    }
    const env = this.ctx.containerEnv(this.pod, c, { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', HOSTNAME: podHostname(this.pod), ...image.env });
    const argv = commandLine(image, c).map((a) => expand(a, env));
    const dir = path.join(this.containerDir(c.name), String(run.restartCount));
    if (run.restartCount === 0 || !run.lastTerminated) {
      this.ctx.events.event(this.pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    }
    try {
      run.proc = await ContainerProcess.start(dir, this.logFile(c.name, run.restartCount), this.ctx.sandboxes.containerArgv(this.sandbox, podHostname(this.pod), argv), env, argv);
    } catch (e) {
      this.ctx.events.event(this.pod, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
      run.waiting = { reason: 'CreateContainerError', message: (e as Error).message };
      this.reportStatus();
      return;
    }
    run.containerID = containerID(this.uid, c.name, run.restartCount);
    run.startedAt = timestamp();
    run.startedMs = Date.now();
    run.waiting = undefined;
    run.ready = false;
    run.started = false;
    this.ctx.events.event(this.pod, 'Normal', 'Created', `Created container ${c.name}`);
    this.ctx.events.event(this.pod, 'Normal', 'Started', `Started container ${c.name}`);
    this.startProbes(run);
    const proc = run.proc;
    void proc.wait().then((info) => this.onExit(run, proc, info));
    this.reportStatus();
  }

  private startProbes(run: ContainerRun): void {
    const c = run.spec;
    const exec = (argv: string[]): string[] | undefined => (run.proc?.pid ? ['nsenter', '-t', String(run.proc.pid), '-n', '-u', '-m', '--', ...argv] : undefined);
    const label = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };
    const make = (kind: ProbeKind, onChange: (ok: boolean, message: string) => void): ProbeWorker | undefined => {
      const probe = kind === 'readiness' ? c.readinessProbe : kind === 'liveness' ? c.livenessProbe : c.startupProbe;
      if (!probe) return undefined;
      const w = new ProbeWorker(
        kind,
        probe,
        () => runProbe(probe, this.sandbox!.ip, c, exec),
        (ok, r) => onChange(ok, r.message),
        (r) => this.ctx.events.event(this.pod, 'Warning', 'Unhealthy', `${label[kind]} probe failed: ${r.message}`),
      );
      run.probes.push(w);
      return w;
    };
    const readiness = make('readiness', (ok) => {
      run.ready = ok && run.started;
      this.reportStatus();
    });
    const liveness = make('liveness', (ok) => {
      if (ok) return;
      this.ctx.events.event(this.pod, 'Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`);
      void run.proc?.stop(this.graceMs());
    });
    const afterStartup = (): void => {
      run.started = true;
      if (!readiness) run.ready = true;
      readiness?.start();
      liveness?.start();
      this.reportStatus();
    };
    const startup = make('startup', (ok) => {
      if (ok) return afterStartup();
      this.ctx.events.event(this.pod, 'Normal', 'Killing', `Container ${c.name} failed startup probe, will be restarted`);
      void run.proc?.stop(this.graceMs());
    });
    if (startup) startup.start();
    else afterStartup();
  }

  private stopProbes(run: ContainerRun): void {
    for (const p of run.probes) p.stop();
    run.probes = [];
  }

  private graceMs(): number {
    return (this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  }

  private onExit(run: ContainerRun, proc: ContainerProcess, info: ExitInfo): void {
    if (run.proc !== proc) return;
    this.stopProbes(run);
    run.ready = false;
    run.lastTerminated = terminatedState(info, run.startedAt, run.containerID);
    if (this.terminating) return;
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && info.exitCode !== 0);
    if (!restart) {
      this.reportStatus();
      return;
    }
    // CrashLoopBackOff: immediate first restart, then doubling delays; a long healthy run resets it.
    if (Date.now() - (run.startedMs ?? 0) > backoff.resetAfterMs) run.failures = 0;
    const delay = run.failures === 0 ? 0 : Math.min(backoff.baseMs * 2 ** (run.failures - 1), backoff.maxMs);
    run.failures++;
    if (delay > 0) {
      run.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${run.spec.name} pod=${this.ref}` };
      this.ctx.events.event(this.pod, 'Warning', 'BackOff', `Back-off restarting failed container ${run.spec.name} in pod ${this.ref}`);
    }
    this.reportStatus();
    run.retryTimer = setTimeout(() => {
      run.restartCount++;
      void this.start(run);
    }, delay);
  }

  /** Graceful end: stop containers (SIGTERM, grace, SIGKILL), remove the sandbox, final delete. */
  terminate(force = false): Promise<void> {
    this.terminating ??= (async () => {
      await this.setupDone;
      const grace = force ? 0 : this.graceMs();
      await Promise.all(
        [...this.runs.values()].map(async (run) => {
          clearTimeout(run.retryTimer);
          this.stopProbes(run);
          if (run.proc && !run.proc.exit) {
            if (!force) this.ctx.events.event(this.pod, 'Normal', 'Killing', `Stopping container ${run.spec.name}`);
            await run.proc.stop(grace);
          }
        }),
      );
      clearTimeout(this.statusTimer);
      if (this.sandbox) await this.ctx.sandboxes.destroy(this.sandbox);
      if (!force) await this.ctx.finalDelete(this.pod);
    })();
    return this.terminating;
  }

  execArgv(container: string | undefined): { argv: string[]; pid: number } | undefined {
    const run = container ? this.runs.get(container) : [...this.runs.values()][0];
    const pid = run?.proc && !run.proc.exit ? run.proc.pid : undefined;
    return pid ? { argv: ['nsenter', '-t', String(pid), '-n', '-u', '-m', '--'], pid } : undefined;
  }

  containerNames(): string[] {
    return this.pod.spec.containers.map((c) => c.name);
  }

  currentLog(container: string, previous: boolean): { file: string; running: () => boolean } | undefined {
    const run = this.runs.get(container);
    if (!run) return undefined;
    const gen = previous ? run.restartCount - 1 : run.restartCount;
    if (gen < 0) return undefined;
    const proc = run.proc;
    return { file: this.logFile(container, gen), running: () => !previous && !!proc && !proc.exit && run.proc === proc };
  }

  // ---- status ----

  private containerStatus(run: ContainerRun): ContainerStatus {
    const c = run.spec;
    let state: ContainerState;
    if (run.waiting) state = { waiting: run.waiting };
    else if (run.proc && !run.proc.exit) state = { running: { startedAt: run.startedAt } };
    else if (run.lastTerminated && run.proc?.exit) state = { terminated: run.lastTerminated };
    else state = { waiting: { reason: 'ContainerCreating' } };
    const status: ContainerStatus = {
      name: c.name,
      state,
      ready: run.ready && !!state.running,
      restartCount: run.restartCount,
      image: c.image ?? '',
      imageID: resolveImage(c.image ?? '') ? `svclab.local/${c.image}` : '',
      started: !!state.running && run.started,
    };
    if (run.containerID && !run.waiting) status.containerID = run.containerID;
    // lastState is the previous run's end, once the container has been restarted.
    if (run.lastTerminated && (state.running || state.waiting)) status.lastState = { terminated: run.lastTerminated };
    return status;
  }

  computeStatus(): PodStatus {
    const statuses = [...this.runs.values()].map((r) => this.containerStatus(r));
    const policy = this.pod.spec.restartPolicy ?? 'Always';
    const allTerminated = statuses.length > 0 && statuses.every((s) => s.state.terminated);
    let phase: PodStatus['phase'] = 'Pending';
    if (allTerminated && policy !== 'Always') phase = statuses.every((s) => s.state.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
    else if (statuses.some((s) => s.state.running || s.restartCount > 0 || s.lastState)) phase = 'Running';
    const ready = statuses.length > 0 && statuses.every((s) => s.ready);
    const previous = this.pod.status?.conditions ?? [];
    const cond = (type: string, ok: boolean, reason?: string): PodCondition => {
      const status = ok ? 'True' : 'False';
      const old = previous.find((c) => c.type === type);
      const c: PodCondition = { type, status, lastProbeTime: null, lastTransitionTime: old?.status === status ? old.lastTransitionTime : timestamp() };
      if (!ok && reason) c.reason = reason;
      return c;
    };
    const notReadyReason = phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady';
    const conditions: PodCondition[] = [
      cond('PodReadyToStartContainers', !!this.sandbox),
      cond('Initialized', true),
      cond('Ready', ready, notReadyReason),
      cond('ContainersReady', ready, notReadyReason),
      previous.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', true),
    ];
    for (const c of conditions) {
      if (c.status === 'False' && c.reason === 'ContainersNotReady') {
        const names = statuses.filter((s) => !s.ready).map((s) => s.name);
        c.message = `containers with unready status: [${names.join(' ')}]`;
      }
    }
    const status: PodStatus = { phase, conditions, hostIP: this.ctx.nodeIP, hostIPs: [{ ip: this.ctx.nodeIP }], startTime: this.startTime, containerStatuses: statuses, qosClass: 'BestEffort' };
    if (this.sandbox) {
      status.podIP = this.sandbox.ip;
      status.podIPs = [{ ip: this.sandbox.ip }];
    }
    return status;
  }

  /**
   * Coalesces status changes into one PATCH of pods/<name>/status. One PATCH at a time: two in
   * flight on different connections could land out of order and leave a stale status behind.
   */
  reportStatus(delayMs = 10): void {
    if (this.terminating) return;
    if (this.statusInFlight) {
      this.statusDirty = true;
      return;
    }
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      if (this.terminating) return;
      const status = this.computeStatus();
      const text = JSON.stringify(status);
      if (text === this.lastStatus) return;
      this.statusInFlight = true;
      this.ctx
        .patchStatus(this.pod, status)
        .then(
          () => {
            this.lastStatus = text;
          },
          (e) => {
            this.statusDirty = true; // retried below, like kubelet's status manager
            console.error(`kubelet: status of ${this.ref}: ${(e as Error).message}`);
          },
        )
        .finally(() => {
          this.statusInFlight = false;
          if (!this.statusDirty) return;
          this.statusDirty = false;
          this.reportStatus(text === this.lastStatus ? 10 : 1000);
        });
    }, delayMs);
  }
}
