// Readiness, liveness and startup probes with Kubernetes timing semantics
// (initialDelaySeconds, periodSeconds, timeoutSeconds, success/failureThreshold)
// and upstream's failure messages. Probes run from the node, like kubelet's.
import http from 'node:http';
import net from 'node:net';
import type { Container, IntOrString, Probe } from '../../api/types.js';
import { execToEnd, type ExecProcess } from './cri/exec.js';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

export function resolvePort(port: IntOrString, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(probe: NonNullable<Probe['httpGet']>, podIP: string, container: Container, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(probe.port, container);
  const host = probe.host ?? podIP;
  const target = `http://${host}:${port}${probe.path ?? '/'}`;
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${probe.port}` });
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of probe.httpHeaders ?? []) headers[h.name] = h.value;
    const req = http.get({ host, port, path: probe.path ?? '/', headers, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, message: '' } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${target}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message;
      resolve({ ok: false, message: `Get "${target}": dial tcp ${host}:${port}: ${why}` });
    });
  });
}

function tcpProbe(probe: NonNullable<Probe['tcpSocket']>, podIP: string, container: Container, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(probe.port, container);
  const host = probe.host ?? podIP;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port: port ?? 0 });
    const done = (r: ProbeResult): void => {
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }));
    sock.on('connect', () => done({ ok: true, message: '' }));
    sock.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, message: `dial tcp ${host}:${port}: ${e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message}` }));
  });
}

/** Runs an exec probe's command in the container. */
export type ExecInContainer = (command: string[]) => Promise<ExecProcess | undefined>;

async function execProbe(command: string[], exec: ExecInContainer, timeoutMs: number): Promise<ProbeResult> {
  const proc = await exec(command);
  if (!proc) return { ok: false, message: 'container is not running' };
  const r = await execToEnd(proc, timeoutMs);
  if (r.timedOut) return { ok: false, message: `command "${command.join(' ')}" timed out` };
  if (r.exitCode === 0) return { ok: true, message: '' };
  return { ok: false, message: r.output.trim() || `command "${command.join(' ')}" exited with ${r.exitCode}` };
}

export function runProbe(probe: Probe, podIP: string, container: Container, exec: ExecInContainer): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) return httpProbe(probe.httpGet, podIP, container, timeoutMs);
  if (probe.tcpSocket) return tcpProbe(probe.tcpSocket, podIP, container, timeoutMs);
  if (probe.exec) return execProbe(probe.exec.command, exec, timeoutMs);
  return Promise.resolve({ ok: true, message: '' });
}

/**
 * Runs one probe periodically and reports a state change only after
 * successThreshold successes or failureThreshold failures in a row.
 */
export class ProbeWorker {
  private timer?: NodeJS.Timeout;
  private successes = 0;
  private failures = 0;
  state: boolean | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: Probe,
    private readonly attempt: () => Promise<ProbeResult>,
    private readonly onChange: (ok: boolean, result: ProbeResult) => void,
    /** Every failed attempt (kubelet records an Unhealthy event for each). */
    private readonly onFailure: (result: ProbeResult) => void = () => undefined,
  ) {}

  start(): void {
    this.timer = setTimeout(() => void this.tick(), (this.probe.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const result = await this.attempt();
    if (this.stopped) return;
    if (result.ok) {
      this.successes++;
      this.failures = 0;
      if (this.state !== true && this.successes >= (this.probe.successThreshold ?? 1)) {
        this.state = true;
        this.onChange(true, result);
      }
    } else {
      this.failures++;
      this.successes = 0;
      this.onFailure(result);
      if (this.state !== false && this.failures >= (this.probe.failureThreshold ?? 3)) {
        this.state = false;
        this.onChange(false, result);
      }
    }
    // A passed startup probe has done its job.
    if (this.kind === 'startup' && this.state === true) return;
    this.timer = setTimeout(() => void this.tick(), (this.probe.periodSeconds ?? 10) * 1000);
  }
}
