// kubectl: the real kubectl typed as a tutorial prints it ("kubectl expose deployment/nginx
// --port=80"), against the lab, with expectations on its exit code and output. A pipe after
// the kubectl part (`kubectl exec POD -- printenv | grep SERVICE`) runs in sh on the host.
import { execa } from 'execa';
import { kubectlArgv } from '../../lab/kubeconfig.js';
import { check, type Ctx, type Outcome } from '../context.js';
import { describe, excerpt, matches } from '../match.js';
import type { Check, KubectlStep } from '../model.js';
import { expand } from '../templates.js';

/** Verbs that only read: their step is a check, retried until it passes (a `get` that waits for endpoints). */
const READING = new Set(['get', 'describe', 'logs', 'explain', 'api-resources', 'api-versions', 'version', 'top', 'exec', 'cluster-info', 'auth']);

/** Shell words of a command line (single and double quotes, backslash escapes), cut at the first unquoted `|`. */
export function splitCommandLine(line: string): { words: string[]; pipe?: string } {
  const words: string[] = [];
  let cur = '';
  let any = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      any = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      any = true;
    } else if (c === '|') {
      if (any) words.push(cur);
      return { words, pipe: line.slice(i + 1).trim() };
    } else if (/\s/.test(c)) {
      if (any) words.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${line}`);
  if (any) words.push(cur);
  return { words };
}

export function normalize(s: KubectlStep): Exclude<KubectlStep, string> {
  return typeof s === 'string' ? { command: s } : s;
}

/** The kubectl arguments of a step's command line (which must start with "kubectl"). */
export function kubectlWords(command: string): { args: string[]; pipe?: string } {
  const { words, pipe } = splitCommandLine(command);
  if (words[0] !== 'kubectl') throw new Error(`a kubectl step's command starts with "kubectl": ${command}`);
  return { args: words.slice(1), pipe };
}

/** The other verbs, to find the verb past global flags and their values (`kubectl -n demo get pods`). */
const WRITING = ['create', 'apply', 'delete', 'expose', 'run', 'scale', 'autoscale', 'patch', 'replace', 'edit', 'label', 'annotate', 'set', 'rollout', 'wait', 'cp', 'attach', 'port-forward', 'proxy', 'drain', 'cordon', 'uncordon', 'taint', 'debug'];

export function isReading(s: KubectlStep): boolean {
  const { args } = kubectlWords(normalize(s).command);
  return READING.has(args.find((a) => READING.has(a) || WRITING.includes(a)) ?? '');
}

export async function kubectlStep(ctx: Ctx, raw: KubectlStep): Promise<Outcome> {
  const s = await expand(ctx, normalize(raw));
  const { args, pipe } = kubectlWords(s.command);
  const argv = kubectlArgv(ctx.lab, ctx.namespace !== 'default' && !args.some((a) => /^(-n|--namespace)(=|$)/.test(a) || a === '-A' || a === '--all-namespaces') ? ['--namespace', ctx.namespace, ...args] : args);
  const r = pipe
    ? await execa('sh', ['-c', `"$@" | ${pipe}`, 'sh', ...argv], { reject: false, input: s.stdin, timeout: 60_000, cancelSignal: ctx.signal, stripFinalNewline: false })
    : await execa(argv[0]!, argv.slice(1), { reject: false, input: s.stdin, timeout: 60_000, cancelSignal: ctx.signal, stripFinalNewline: false });
  const stdout = String(r.stdout);
  const stderr = String(r.stderr);
  const code = r.exitCode ?? -1;
  const e = s.expect ?? {};
  const checks: Check[] = [check('exit code', String(e.exitCode ?? 0), String(code), code === (e.exitCode ?? 0))];
  if (e.stdout !== undefined) checks.push(check('stdout', describe(e.stdout, 'text'), excerpt(stdout), matches(e.stdout, stdout, 'text')));
  if (e.stderr !== undefined) checks.push(check('stderr', describe(e.stderr, 'text'), excerpt(stderr), matches(e.stderr, stderr, 'text')));
  const out = [`$ ${s.command}`, ...excerpt(stdout, 12, 1200).split('\n').map((l) => `  ${l}`)];
  if (stderr.trim() && (code !== 0 || e.stderr !== undefined)) out.push(...excerpt(stderr, 4).split('\n').map((l) => `  ${l}`));
  return { checks, details: out };
}
