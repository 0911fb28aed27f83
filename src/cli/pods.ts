// `lab exec` and `lab logs`: through the API like kubectl (pods), or straight
// into a lab host's namespace (node/NAME, outside, router).
import { spawn } from 'node:child_process';
import https from 'node:https';
import type { Connection } from '../client/client.js';
import { authHeaders } from '../client/client.js';
import { exec } from '../client/exec.js';
import { adminConnection } from '../lab/credentials.js';
import { hostArgv } from '../lab/hosts.js';
import { NoSuchLab, readState } from '../lab/state.js';
import { UsageError } from './args.js';

function api(lab: string): Connection {
  const state = readState(lab);
  if (!state) throw new NoSuchLab(`no lab named "${lab}"`);
  return adminConnection(state);
}

export async function execCommand(lab: string, namespace: string, target: string, container: string | undefined, command: string[]): Promise<number> {
  if (command.length === 0) throw new UsageError('lab exec: give a command after --, e.g. lab exec POD -- curl -s http://svc:80/');
  const host = ['outside', 'router', 'external'].includes(target) ? target : target.startsWith('node/') ? target.slice(5) : undefined;
  if (host) {
    const [cmd, ...args] = hostArgv(lab, host, command);
    const child = spawn(cmd!, args, { stdio: 'inherit' });
    return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  }
  const pod = target.startsWith('pod/') ? target.slice(4) : target;
  const stdin = process.stdin.isTTY ? undefined : process.stdin;
  const r = await exec({
    ...api(lab),
    namespace,
    pod,
    container,
    command,
    stdin,
    onStdout: (d) => process.stdout.write(d),
    onStderr: (d) => process.stderr.write(d),
  });
  stdin?.destroy(); // the command is over: an input that is still open must not keep us waiting (as kubectl)
  if (r.error) {
    console.error(`error: ${r.error}`);
    return 1;
  }
  return r.exitCode;
}

export function logsCommand(lab: string, namespace: string, pod: string, opts: { container?: string; follow: boolean; tail?: string; previous: boolean }): Promise<number> {
  const q = new URLSearchParams();
  if (opts.container) q.set('container', opts.container);
  if (opts.follow) q.set('follow', 'true');
  if (opts.tail !== undefined) q.set('tailLines', opts.tail);
  if (opts.previous) q.set('previous', 'true');
  const conn = api(lab);
  const url = `${conn.server}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q}`;
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: conn.tls?.ca, cert: conn.tls?.cert, key: conn.tls?.key, headers: authHeaders(conn) }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let message = text;
            try {
              message = (JSON.parse(text) as { message: string }).message;
            } catch {
              /* plain text */
            }
            console.error(`error: ${message}`);
            resolve(1);
          });
          return;
        }
        res.pipe(process.stdout);
        res.on('end', () => resolve(0));
      })
      .on('error', reject);
  });
}
