// Drives the real `lab` CLI the way a user does, plus helpers to read a lab's state.
import { execa, type Result } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../src/client/client.js';
import http from 'node:http';
import https from 'node:https';
import { adminConnection, pkiFiles } from '../../src/lab/credentials.js';
import { readComponents, readState } from '../../src/lab/state.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(repo, 'dist', 'src', 'cli', 'main.js');

/** Runs the CLI; with uid, as that unprivileged user (e.g. 65534, nobody). */
export function lab(args: string[], opts: { uid?: number; env?: Record<string, string> } = {}): Promise<Result> {
  const argv = opts.uid !== undefined ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', process.execPath, cli, ...args] : [process.execPath, cli, ...args];
  return execa(argv[0]!, argv.slice(1), { reject: false, all: true, env: { FORCE_COLOR: '0', ...opts.env } }) as unknown as Promise<Result>;
}

/** The real kubectl against a lab, as a user types it: kubectl() never throws, ok() throws with kubectl's stderr and returns stdout. */
export function kubectlFor(name: string): { kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }>; ok(...args: string[]): Promise<string> } {
  const kubectl = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const r = await lab(['kubectl', '--name', name, ...args]);
    return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
  };
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.err}`);
    return r.out;
  };
  return { kubectl, ok };
}

export function clientFor(name: string): ApiClient {
  const state = readState(name);
  if (!state) throw new Error(`no lab ${name}`);
  // Inside the kernel VM (qemu TCG, several times slower) an API call can take seconds.
  return new ApiClient({ ...adminConnection(state), timeoutMs: process.env.SVCLAB_VM === '1' ? 30_000 : 3000 });
}

export function componentPid(name: string, component: string): number | undefined {
  return readComponents(name).find((c) => c.name === component)?.pid;
}

export { waitFor } from '../../src/util/poll.js';

/** Unique per test file and run, so test files can run side by side. */
export function labName(prefix: string): string {
  return `${prefix}${process.pid % 10000}`;
}

/** curl options that reach the lab's API over HTTPS as its admin (kubernetes-admin). */
export function adminCurl(name: string): string[] {
  return ['--cacert', pkiFiles.caCert(name), '--cert', pkiFiles.adminCert(name), '--key', pkiFiles.adminKey(name)];
}

/** A raw request to the lab's API as its admin (fetch cannot be given the lab CA). */
export function apiRequest(name: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const state = readState(name);
  if (!state) throw new Error(`no lab ${name}`);
  const c = adminConnection(state);
  return new Promise((resolve, reject) => {
    const req = https.request(`${c.server}${path}`, { method: init.method ?? 'GET', headers: init.headers, ca: c.tls?.ca, cert: c.tls?.cert, key: c.tls?.key }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
