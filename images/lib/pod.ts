// What every built-in program needs to know about the pod it runs in.
import os from 'node:os';

export function podName(): string {
  return process.env.HOSTNAME || os.hostname();
}

export function podIP(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function listenPort(fallback: number): number {
  return Number(process.env.PORT) || fallback;
}

/** Exit at once on the kubelet's stop signal instead of waiting out the grace period. */
export function exitOnStop(...signals: NodeJS.Signals[]): void {
  for (const s of ['SIGTERM', 'SIGINT', ...signals]) process.on(s, () => process.exit(0));
}
