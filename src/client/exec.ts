// Exec in a pod through the API (pods/<name>/exec over WebSocket,
// v5.channel.k8s.io), as kubectl does: stdin on channel 0, stdout 1, stderr 2,
// the final Status on 3; [255, 0] closes stdin.
import { WebSocket } from 'ws';
import { authHeaders, type Connection } from './client.js';

export interface ExecOptions extends Connection {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin?: NodeJS.ReadableStream | string;
  tty?: boolean;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The Status message when the exec itself failed (bad container, not running, ...). */
  error?: string;
}

export function exec(o: ExecOptions): Promise<ExecResult> {
  const q = new URLSearchParams();
  for (const c of o.command) q.append('command', c);
  if (o.container) q.set('container', o.container);
  q.set('stdout', 'true');
  q.set('stderr', o.tty ? 'false' : 'true');
  if (o.stdin !== undefined) q.set('stdin', 'true');
  if (o.tty) q.set('tty', 'true');
  const url = `${o.server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.pod)}/exec?${q}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { ca: o.tls?.ca, cert: o.tls?.cert, key: o.tls?.key, headers: authHeaders(o) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let status: { status?: string; message?: string; reason?: string; details?: { causes?: { reason: string; message: string }[] } } | undefined;
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        try {
          reject(new Error((JSON.parse(text) as { message: string }).message));
        } catch {
          reject(new Error(`exec refused: HTTP ${res.statusCode} ${text}`));
        }
      });
    });
    ws.on('open', () => {
      if (o.stdin === undefined) return;
      const close = (): void => ws.send(Buffer.from([255, 0]));
      if (typeof o.stdin === 'string') {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(o.stdin)]));
        close();
      } else {
        o.stdin.on('data', (d: Buffer | string) => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(d)])));
        o.stdin.on('end', close);
      }
    });
    ws.on('message', (data: Buffer) => {
      const ch = data[0];
      const payload = data.subarray(1);
      if (ch === 1) {
        out.push(payload);
        o.onStdout?.(payload);
      } else if (ch === 2) {
        err.push(payload);
        o.onStderr?.(payload);
      } else if (ch === 3) status = JSON.parse(payload.toString());
    });
    ws.on('error', reject);
    ws.on('close', () => {
      let exitCode = 0;
      let error: string | undefined;
      if (status?.status === 'Failure') {
        const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
        if (code !== undefined) exitCode = Number(code);
        else {
          exitCode = 1;
          error = status.message;
        }
      }
      resolve({ exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), error });
    });
  });
}
