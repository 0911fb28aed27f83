// Real requests through a lab, from a pod (exec through the API) or from one of
// the lab's hosts (outside, a node): many HTTP requests in one curl process
// (URL globbing, one new connection each), UDP/TCP "whoami" to lab/echo.
import { execa } from 'execa';
import { exec } from '../../../src/client/exec.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { adminConnection } from '../../../src/lab/credentials.js';
import { readState } from '../../../src/lab/state.js';
import { systemTool } from '../../../src/net/tools.js';

/** Where a request starts: a pod (default namespace) or a lab host (outside, node1...). */
export type From = { pod: string } | { host: string };

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runOn(lab: string, from: From, command: string[]): Promise<Run> {
  if ('pod' in from) {
    const r = await exec({ ...adminConnection(readState(lab)!), namespace: 'default', pod: from.pod, command });
    if (r.error) throw new Error(`exec in ${from.pod}: ${r.error}`);
    return r;
  }
  const [tool, ...rest] = command;
  const [cmd, ...args] = hostArgv(lab, from.host, [systemTool(tool!), ...rest]);
  const r = await execa(cmd!, args, { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** One HTTP request to lab/hello's /json: who answered and whom it saw, or curl's exit code. */
export interface Answer {
  exit: number;
  pod?: string;
  /** The client address the backend saw (without the port). */
  client?: string;
}

/** count sequential requests to http://target/json, each on a new connection (Connection: close). */
export async function requests(lab: string, from: From, target: string, count: number, maxTimeSeconds = 2): Promise<Answer[]> {
  const r = await runOn(lab, from, curlArgv(target, count, maxTimeSeconds));
  return parseAnswers(r, count);
}

/** The curl command line of requests(): one process, count URLs, each result followed by its exit code. */
export function curlArgv(target: string, count: number, maxTimeSeconds = 2): string[] {
  // A -w format must not start with "@" (curl reads it from a file then).
  return ['curl', '-s', '--max-time', String(maxTimeSeconds), '-H', 'Connection: close', '-w', '\\n=%{exitcode}\\n', `http://${target}/json?[1-${count}]`];
}

/** The answers in the output of curlArgv's curl. */
export function parseAnswers(r: { stdout: string; stderr: string }, count: number): Answer[] {
  const answers: Answer[] = [];
  let body: { pod: string; client: string } | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('{')) body = JSON.parse(line) as { pod: string; client: string };
    const exit = /^=(\d+)$/.exec(line);
    if (!exit) continue;
    answers.push({ exit: Number(exit[1]), ...(body ? { pod: body.pod, client: body.client.replace(/:\d+$/, '') } : {}) });
    body = undefined;
  }
  if (answers.length !== count) throw new Error(`expected ${count} results from curl, got ${answers.length}: ${r.stdout.slice(0, 300)} ${r.stderr}`);
  return answers;
}

/** Answers per backend pod. */
export function byPod(answers: Answer[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of answers) if (a.pod) out.set(a.pod, (out.get(a.pod) ?? 0) + 1);
  return out;
}

export const pods = (answers: Answer[]): string[] => [...byPod(answers).keys()].sort();
export const failures = (answers: Answer[]): number[] => answers.filter((a) => a.exit !== 0).map((a) => a.exit);

// Runs inside a pod (pods see the host's files, so the host's node binary).
// Each message comes from its own socket: a new source port, a new connection for the proxy.
const whoamiScript = `
const [proto, host, port, count] = process.argv.slice(1);
const once = () => new Promise((resolve) => {
  const timer = setTimeout(() => { done('timeout'); }, 2000);
  let s;
  const done = (v) => { clearTimeout(timer); try { proto === 'udp' ? s.close() : s.destroy(); } catch {} resolve(v); };
  if (proto === 'udp') {
    s = require('dgram').createSocket('udp4');
    s.on('message', (m) => done(m.toString().trim()));
    s.on('error', (e) => done(e.code));
    s.send('whoami', Number(port), host);
  } else {
    let data = '';
    // No half-close: the userspace proxy (like upstream's) tears both sides down on the client's FIN.
    s = require('net').connect({ host, port: Number(port) }, () => s.write('whoami'));
    s.on('data', (d) => (data += d));
    s.on('end', () => done(data.trim()));
    s.on('error', (e) => done(e.code));
  }
});
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await once()); console.log(JSON.stringify(out)); })();
`;

/** lab/echo's "whoami" answers ("pod=... ip=... client=...") or an error code per attempt. */
export async function whoami(lab: string, pod: string, proto: 'tcp' | 'udp', host: string, port: number, count: number): Promise<string[]> {
  const r = await runOn(lab, { pod }, ['node', '-e', whoamiScript, proto, host, String(port), String(count)]);
  if (r.exitCode !== 0) throw new Error(`whoami script failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}
