// The console report: live progress while labs run, a block per failed run
// (what was expected, what was seen, the endpoints and rules involved) and a
// table of every scenario by proxy mode at the end.
import path from 'node:path';
import { proxyModes, type ProxyMode } from '../../agent/proxy/modes.js';
import { seconds } from '../context.js';
import type { Check, RunResult, StepResult } from '../model.js';
import type { Job, Progress } from '../runner.js';

export interface ConsoleOptions {
  /** Every check and every output (the demo), not only failures. */
  verbose?: boolean;
  /** Labs run side by side: prefix live lines with the run they belong to. */
  prefixed?: boolean;
  write?: (line: string) => void;
}

const mark = { passed: '✓', failed: '✗', skipped: '-', 'not run': '·' } as const;

export function shortName(file: string): string {
  const dir = path.basename(path.dirname(file));
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  return dir === 'seeds' ? `seeds/${base}` : base;
}

function runLabel(file: string, mode: ProxyMode): string {
  return `${shortName(file)} [${mode}]`;
}

/** A passed check in one line: what was seen, and what was asked when that says more. */
function passedLine(c: Check, indent: string): string {
  const first = c.seen.split('\n')[0]!;
  const seen = first.length > 110 ? `${first.slice(0, 110)}…` : first;
  return `${indent}${mark.passed} ${c.what}: ${seen}${c.expected !== first ? `  (expected ${c.expected})` : ''}`;
}

function failedLines(c: Check, indent: string): string[] {
  const seen = c.seen.split('\n');
  return [
    `${indent}${mark.failed} ${c.what}`,
    `${indent}    expected: ${c.expected}`,
    `${indent}    seen:     ${seen[0]}`,
    ...seen.slice(1).map((l) => `${indent}              ${l}`),
  ];
}

function checkLines(checks: Check[], onlyFailed: boolean, indent: string): string[] {
  return checks.flatMap((c) => (c.ok ? (onlyFailed ? [] : [passedLine(c, indent)]) : failedLines(c, indent)));
}

function stepLine(step: StepResult): string {
  const time = step.status === 'passed' || step.status === 'failed' ? `  (${seconds(step.ms)}${step.attempts > 1 ? `, ${step.attempts} attempts` : ''})` : step.reason ? `  (${step.reason})` : '';
  return `${mark[step.status]} ${String(step.index).padStart(2)}. ${step.title}${time}`;
}

/** The lines explaining one step: details always in verbose mode, checks and diagnostics when it failed. */
export function stepReport(step: StepResult, verbose: boolean, indent = '      '): string[] {
  const out: string[] = [];
  if (verbose || step.status === 'failed') out.push(...step.details.map((d) => `${indent}${d.replace(/\n/g, `\n${indent}`)}`));
  if (verbose && step.status === 'passed') out.push(...checkLines(step.checks, false, indent));
  if (step.status === 'failed') {
    out.push(...checkLines(step.checks, true, indent));
    if (step.reason) out.push(`${indent}${step.reason}`);
    if (step.diagnostics.length) out.push(`${indent}what the lab holds:`, ...step.diagnostics.map((d) => `${indent}  ${d}`));
  }
  return out;
}

function header(r: RunResult): string {
  const word = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' }[r.status];
  return `${mark[r.status]} ${word} ${runLabel(r.scenario.file, r.proxyMode)}  ${r.scenario.name}  (${seconds(r.ms)})${r.kept ? `  lab ${r.lab} kept` : ''}`;
}

/** The block printed when a run ends. */
export function runReport(r: RunResult, verbose: boolean): string[] {
  const out = [header(r)];
  if (r.status === 'skipped') return [...out, `    skipped: ${r.reason}`];
  if (r.status === 'passed' && !verbose) return out;
  if (r.reason) out.push(`    ${r.reason}`);
  for (const s of r.steps) {
    if (r.status === 'passed' || s.status === 'failed' || s.status === 'not run' || verbose) {
      out.push(`    ${stepLine(s)}${s.status === 'failed' ? `   ${r.scenario.file}:${s.line}` : ''}`);
      out.push(...stepReport(s, verbose));
    }
  }
  return out;
}

/** Where a job's own placement puts its lab (" on 2 hosts, etcd"), when it has one. */
function placement(job: Job): string {
  return `${job.hosts && job.hosts > 1 ? ` on ${job.hosts} hosts` : ''}${job.store === 'etcd' ? ', etcd' : ''}`;
}

export function consoleProgress(opts: ConsoleOptions = {}): (p: Progress) => void {
  const write = opts.write ?? ((l: string) => console.log(l));
  const pre = (job: Job): string => (opts.prefixed ? `[${runLabel(job.scenario.file, job.mode)}] ` : '  ');
  return (p) => {
    switch (p.kind) {
      case 'job-start':
        write(`▶ ${runLabel(p.job.scenario.file, p.job.mode)}  ${p.job.scenario.name}  (lab ${p.job.lab}${placement(p.job)}, ${p.job.scenario.file})`);
        break;
      case 'setup':
        if (opts.verbose) write(`${pre(p.job)}… ${p.what}`);
        break;
      case 'note':
        write(p.text.replace(/^/gm, pre(p.job)));
        break;
      case 'step-start':
        break;
      case 'step-end':
        write(`${pre(p.job)}${stepLine(p.step)}`);
        if (opts.verbose && p.step.status !== 'failed') for (const l of stepReport(p.step, true, `${pre(p.job)}      `)) write(l);
        break;
      case 'job-end':
        for (const l of runReport(p.result, false)) write(l);
        break;
    }
  };
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** The closing table: one row per scenario, one column per proxy mode that ran or was skipped. */
export function summary(results: RunResult[], elapsedMs: number): string[] {
  const modes = proxyModes.filter((m) => results.some((r) => r.proxyMode === m));
  const files = [...new Set(results.map((r) => r.scenario.file))];
  const width = Math.max(8, ...files.map((f) => shortName(f).length));
  const cell = (file: string, m: ProxyMode): string => {
    const r = results.find((x) => x.scenario.file === file && x.proxyMode === m);
    return r ? { passed: 'pass', failed: 'FAIL', skipped: 'skip' }[r.status] : '';
  };
  const col = (m: ProxyMode): number => Math.max(9, m.length + 1);
  const lines = [`${'scenario'.padEnd(width)}  ${modes.map((m) => m.padEnd(col(m))).join(' ')}`.trimEnd()];
  for (const f of files) lines.push(`${shortName(f).padEnd(width)}  ${modes.map((m) => cell(f, m).padEnd(col(m))).join(' ')}`.trimEnd());
  const n = (st: RunResult['status']): number => results.filter((r) => r.status === st).length;
  const reasons = [...new Map(results.filter((r) => r.status === 'skipped').map((r) => [r.proxyMode, r.reason])).entries()];
  lines.push('');
  for (const [m, why] of reasons) lines.push(`skipped ${m}: ${why}`);
  const failed = results.filter((r) => r.status === 'failed');
  for (const r of failed) lines.push(`failed: ${runLabel(r.scenario.file, r.proxyMode)}: ${r.steps.find((s) => s.status === 'failed')?.title ?? r.reason ?? ''}`);
  lines.push(`${files.length} scenario${files.length === 1 ? '' : 's'}, ${results.length} runs: ${n('passed')} passed, ${n('failed')} failed, ${n('skipped')} skipped in ${duration(elapsedMs)}`);
  return lines;
}
