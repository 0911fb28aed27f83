// JUnit XML for CI: one <testsuite> per scenario and proxy mode, one <testcase>
// per step; a mode the kernel lacks is one skipped case with the reason.
import type { RunResult, StepResult } from '../model.js';
import { shortName, stepReport } from './console.js';

export function xmlEscape(s: string): string {
  // XML 1.0 forbids most control characters even as references.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const attr = (name: string, value: string | number): string => ` ${name}="${xmlEscape(String(value))}"`;
const secs = (ms: number): string => (ms / 1000).toFixed(3);

function testcase(classname: string, name: string, ms: number, inner = ''): string {
  return `    <testcase${attr('classname', classname)}${attr('name', name)}${attr('time', secs(ms))}${inner ? `>\n${inner}\n    </testcase>` : '/>'}`;
}

function stepCase(r: RunResult, classname: string, s: StepResult): string {
  const name = `${String(s.index).padStart(2, '0')} ${s.title}`;
  if (s.status === 'failed') {
    const first = s.checks.find((c) => !c.ok);
    const message = first ? `${first.what}: expected ${first.expected}; seen ${first.seen}` : (s.reason ?? 'failed');
    const body = [`${r.scenario.file}:${s.line}`, ...stepReport(s, true, '')].join('\n');
    return testcase(classname, name, s.ms, `      <failure${attr('message', message)}${attr('type', 'expectation')}>${xmlEscape(body)}</failure>`);
  }
  if (s.status === 'skipped' || s.status === 'not run') return testcase(classname, name, 0, `      <skipped${attr('message', s.reason ?? s.status)}/>`);
  return testcase(classname, name, s.ms, s.details.length ? `      <system-out>${xmlEscape(s.details.join('\n'))}</system-out>` : '');
}

function suite(r: RunResult): string {
  const classname = `${shortName(r.scenario.file).replace(/\//g, '.')}.${r.proxyMode}`;
  const cases: string[] = [];
  if (r.status === 'skipped') cases.push(testcase(classname, `proxy mode ${r.proxyMode}`, 0, `      <skipped${attr('message', r.reason ?? 'skipped')}/>`));
  else if (r.steps.length === 0 || (r.reason && r.steps.every((s) => s.status === 'not run'))) {
    cases.push(testcase(classname, 'cluster', r.ms, `      <failure${attr('message', r.reason ?? 'failed')}${attr('type', 'setup')}>${xmlEscape(r.reason ?? '')}</failure>`));
  }
  cases.push(...r.steps.map((s) => stepCase(r, classname, s)));
  const failures = cases.filter((c) => c.includes('<failure')).length;
  const skipped = cases.filter((c) => c.includes('<skipped')).length;
  return [
    `  <testsuite${attr('name', `${r.scenario.name} [${r.proxyMode}]`)}${attr('file', r.scenario.file)}${attr('tests', cases.length)}${attr('failures', failures)}${attr('errors', 0)}${attr('skipped', skipped)}${attr('time', secs(r.ms))}>`,
    `    <properties>${`<property${attr('name', 'proxyMode')}${attr('value', r.proxyMode)}/>`}${`<property${attr('name', 'lab')}${attr('value', r.lab)}/>`}${r.scenario.behaviour ? `<property${attr('name', 'behaviour')}${attr('value', r.scenario.behaviour)}/>` : ''}</properties>`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

export function junitXml(results: RunResult[], elapsedMs: number): string {
  const suites = results.map(suite);
  const count = (tag: string): number => suites.reduce((n, s) => n + (s.match(new RegExp(`<${tag}[ />]`, 'g'))?.length ?? 0), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attr('name', 'svclab scenarios')}${attr('tests', count('testcase'))}${attr('failures', count('failure'))}${attr('errors', 0)}${attr('skipped', count('skipped'))}${attr('time', secs(elapsedMs))}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
