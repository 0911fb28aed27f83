// One pod on this node: its sandbox, its containers (start, restart with
// back-off per restartPolicy, liveness kills, readiness), its status and its
// graceful end. Everything it learns is reported through the pod's status.
import fs from 'node:fs';
import path from 'node:path';
import type { Container, Pod, PodStatus } from '../../api/types.js';
import { timestamp } from '../../api/types.js';
import { expand } from './env.js';
import { catalogueNames, commandLine, resolveImage } from './catalogue.js';
import { imageVolumes } from './image-volumes.js';
import { hostsFile, podHostname, resolvConf } from './pod-files.js';
import { podStatus, statusSummary, terminatedState, type ContainerRunView } from './pod-status.js';
import type { Attached, AttachOptions, ContainerHandle, ExitInfo, LogReader } from './cri/cri.js';
import type { ExecOptions, ExecProcess } from './cri/exec.js';
import { containerSecurity, type ContainerSecurity, type SecurityContextFields } from './cri/security.js';
import { ProbeWorker, runProbe, type ProbeKind } from './probes.js';
import type { SandboxRecord } from './cri/sandbox.js';
import type { KubeletContext } from './context.js';
import { ProjectedVolumes } from './volumes.js';

const backoff = { baseMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/** One container's runs: what the status shows (ContainerRunView), plus what restarts and probes need. */
interface ContainerRun extends ContainerRunView {
  proc?: ContainerHandle;
  /** The generation before proc, for logs --previous. */
  previous?: ContainerHandle;
  startedMs?: number;
  probes: ProbeWorker[];
  retryTimer?: NodeJS.Timeout;
  failures: number;
}

export class PodWorker {
  private sandbox?: SandboxRecord;
  private volumes?: ProjectedVolumes;
  private readonly runs = new Map<string, ContainerRun>();
  private terminating?: Promise<void>;
  private startTime = timestamp();
  private lastStatus = '';
  private statusTimer?: NodeJS.Timeout;
  private statusInFlight = false;
  private statusDirty = false;
  /** The status of the PATCH in flight; its own watch event may arrive before its reply. */
  private sending = '';
  /** Someone else changed the status while a PATCH was in flight: send ours again after it. */
  private overwritten = false;
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

  /** The newest pod object from the informer. */
  update(pod: Pod): void {
    this.pod = pod;
    if (pod.metadata.deletionTimestamp) {
      void this.terminate();
      return;
    }
    // Someone else changed the status (the node controller marks pods not Ready on a lost node):
    // report ours again, as kubelet's status manager reconciles.
    const ours = [this.lastStatus, this.sending].filter(Boolean).map((t) => statusSummary(JSON.parse(t) as PodStatus));
    if (this.lastStatus && !ours.includes(statusSummary(pod.status))) {
      if (this.statusInFlight) {
        this.overwritten = true; // the node controller's write landed between ours and its reply
        this.statusDirty = true;
      } else {
        this.lastStatus = '';
        this.reportStatus();
      }
    }
    this.setupDone ??= this.setup().catch((e) => {
      console.error(`kubelet: pod ${this.ref}: ${(e as Error).message}`);
      this.ctx.events.event(this.pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
    });
  }

  private async setup(): Promise<void> {
    const runtime = this.ctx.runtime;
    const existing = runtime.sandboxes.get(this.uid);
    this.sandbox = existing ?? (await runtime.createSandbox({ uid: this.uid, namespace: this.pod.metadata.namespace!, name: this.pod.metadata.name!, hostname: podHostname(this.pod) }));
    const startFile = path.join(runtime.sandboxes.podDir(this.uid), 'started');
    if (existing && fs.existsSync(startFile)) this.startTime = fs.readFileSync(startFile, 'utf8');
    else fs.writeFileSync(startFile, this.startTime);
    // Beside the image volumes (volumes/<container>), in a name no container can have, as upstream's kubelet.
    this.volumes = new ProjectedVolumes(this.pod, path.join(runtime.sandboxes.podDir(this.uid), 'volumes', 'kubernetes.io~projected'), this.ctx.volumeSources, (l) => console.error(l));
    // Written (and their renewal timers started) now, also for containers adopted from an earlier agent; a failure is retried when a container starts.
    this.volumes.setUp().catch(() => undefined);
    runtime.writeEtc(this.sandbox, {
      'resolv.conf': resolvConf(this.pod, this.ctx.dns),
      hosts: hostsFile(this.pod, this.sandbox.ip, this.ctx.dns.clusterDomain),
      hostname: `${podHostname(this.pod)}\n`,
    });
    for (const c of this.pod.spec.containers) {
      const run: ContainerRun = { spec: c, restartCount: 0, ready: false, started: false, probes: [], failures: 0 };
      this.runs.set(c.name, run);
      if (existing && (await this.adopt(run))) continue;
      await this.start(run);
    }
    this.reportStatus();
  }

  /** Re-attaches to the newest generation of a container an earlier agent started. */
  private async adopt(run: ContainerRun): Promise<boolean> {
    const found = await this.ctx.runtime.adoptContainer(this.sandbox!, run.spec.name);
    if (!found) return false;
    const proc = found.handle;
    run.restartCount = found.restart;
    run.proc = proc;
    run.previous = found.previous;
    run.containerID = proc.id;
    run.startedAt = timestamp(found.startedAt);
    run.startedMs = found.startedAt.getTime();
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
      this.retryStart(run);
      return;
    }
    let env: Record<string, string>;
    let security: ContainerSecurity;
    try {
      await this.volumes?.setUp();
    } catch (e) {
      // A token that cannot be had yet (its ServiceAccount or kube-root-ca.crt missing): retried, as kubelet's volume manager does.
      const message = (e as Error).message;
      if (run.waiting?.message !== message) this.ctx.events.event(this.pod, 'Warning', 'FailedMount', message);
      run.waiting = { reason: 'ContainerCreating', message };
      this.reportStatus();
      this.retryStart(run);
      return;
    }
    try {
      security = containerSecurity(this.pod.spec.securityContext as SecurityContextFields | undefined, c.securityContext as SecurityContextFields | undefined, { pod: this.ref, container: c.name });
      const built = await this.ctx.containerEnv(this.pod, c, { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', HOSTNAME: podHostname(this.pod), ...image.env });
      for (const w of built.warnings) this.ctx.events.event(this.pod, 'Warning', w.reason, w.message);
      env = built.env;
    } catch (e) {
      // A missing ConfigMap/Secret or key: retried until it appears, as kubelet's pod sync does.
      const message = (e as Error).message;
      if (run.waiting?.reason !== 'CreateContainerConfigError' || run.waiting.message !== message) this.ctx.events.event(this.pod, 'Warning', 'Failed', `Error: ${message}`);
      run.waiting = { reason: 'CreateContainerConfigError', message };
      this.reportStatus();
      this.retryStart(run);
      return;
    }
    if (this.terminating || !this.sandbox) return;
    const argv = commandLine(image, c).map((a) => expand(a, env));
    if (run.restartCount === 0 || !run.lastTerminated) {
      this.ctx.events.event(this.pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    }
    try {
      const mounts = imageVolumes(path.join(this.ctx.runtime.sandboxes.podDir(this.uid), 'volumes', c.name), image, env);
      const next = await this.ctx.runtime.startContainer(this.sandbox, {
        name: c.name,
        restart: run.restartCount,
        image: image.name,
        argv,
        env,
        hostname: podHostname(this.pod),
        stdin: c.stdin === true,
        stdinOnce: c.stdinOnce === true,
        tty: c.tty === true,
        security,
        stopSignal: image.stopSignal,
        mounts: [...mounts, ...(this.volumes?.mounts(c) ?? [])],
      });
      if (run.proc) run.previous = run.proc;
      run.proc = next;
    } catch (e) {
      this.ctx.events.event(this.pod, 'Warning', 'Failed', `Error: ${(e as Error).message}`);
      run.waiting = { reason: 'CreateContainerError', message: (e as Error).message };
      this.reportStatus();
      return;
    }
    run.containerID = run.proc.id;
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

  /** Tries to start the container again after a back-off (image not found, configuration missing). */
  private retryStart(run: ContainerRun): void {
    run.failures++;
    run.retryTimer = setTimeout(() => void this.start(run), Math.min(backoff.baseMs * 2 ** run.failures, backoff.maxMs));
  }

  private startProbes(run: ContainerRun): void {
    const c = run.spec;
    const exec = async (command: string[]): Promise<ExecProcess | undefined> => run.proc?.exec(command, { tty: false, stdin: false });
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

  private onExit(run: ContainerRun, proc: ContainerHandle, info: ExitInfo): void {
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
      this.volumes?.stop();
      if (this.sandbox) await this.ctx.runtime.destroySandbox(this.sandbox);
      if (!force) await this.ctx.finalDelete(this.pod);
    })();
    return this.terminating;
  }

  /** kubectl exec: a command in a running container (undefined: it is not running). */
  async exec(container: string | undefined, command: string[], o: ExecOptions): Promise<ExecProcess | undefined> {
    const run = container ? this.runs.get(container) : [...this.runs.values()][0];
    return run?.proc && !run.proc.exit ? run.proc.exec(command, o) : undefined;
  }

  /** kubectl attach: the running container's stdin and output (undefined: it is not running). */
  async attach(container: string | undefined, o: AttachOptions): Promise<Attached | undefined> {
    const run = container ? this.runs.get(container) : [...this.runs.values()][0];
    return run?.proc && !run.proc.exit ? run.proc.attach(o) : undefined;
  }

  /** The container's spec (stdin, tty), as the pod declares it. */
  containerSpec(name: string | undefined): Container | undefined {
    return name ? this.pod.spec.containers.find((c) => c.name === name) : this.pod.spec.containers[0];
  }

  /** The pod's sandbox, once created (port-forward dials into its network namespace). */
  sandboxRecord(): SandboxRecord | undefined {
    return this.sandbox;
  }

  containerNames(): string[] {
    return this.pod.spec.containers.map((c) => c.name);
  }

  /** The container's output (previous: the generation before the current one). */
  async logs(container: string, previous: boolean): Promise<LogReader | undefined> {
    const run = this.runs.get(container);
    const proc = previous ? run?.previous : run?.proc;
    return proc?.logs();
  }

  computeStatus(): PodStatus {
    return podStatus({ pod: this.pod, runs: [...this.runs.values()], sandbox: this.sandbox, nodeIP: this.ctx.nodeIP, startTime: this.startTime });
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
      this.sending = text;
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
          this.sending = '';
          if (this.overwritten) {
            this.overwritten = false;
            this.lastStatus = '';
          }
          if (!this.statusDirty) return;
          this.statusDirty = false;
          this.reportStatus(text === this.lastStatus ? 10 : 1000);
        });
    }, delayMs);
  }
}
