import test from 'ava';
import type { RunResult, StepResult } from '../../../src/scenario/model.js';
import { runReport, summary } from '../../../src/scenario/report/console.js';
import { junitXml, xmlEscape } from '../../../src/scenario/report/junit.js';

const step = (index: number, status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult => ({
  index,
  line: 10 + index,
  title: `step ${index}`,
  status,
  ms: 1500,
  attempts: 1,
  checks: [],
  details: [],
  diagnostics: [],
  ...extra,
});

const run = (file: string, mode: RunResult['proxyMode'], status: RunResult['status'], steps: StepResult[], reason?: string): RunResult => ({
  scenario: { name: `the ${file} scenario`, file: `scenarios/${file}.yaml`, behaviour: 'a behaviour' },
  proxyMode: mode,
  lab: 'r1-1',
  status,
  reason,
  steps,
  ms: 12_000,
  kept: false,
});

const failing = step(2, 'failed', {
  title: 'http GET http://web/ ×20 from client',
  checks: [
    { what: '20 requests', expected: 'all answer 200', seen: '0/20 did (ETIMEDOUT ×20)', ok: false },
    { what: 'latency', expected: 'each within 1000 ms', seen: 'slowest 3 ms', ok: true },
  ],
  details: ['http http://web/ from pod/client: ETIMEDOUT ×20'],
  diagnostics: ['endpoints default/web (cluster IP 10.96.5.5): ready none', 'rules on node1 (iptables): none mention these services'],
  reason: 'still failing after 10.0 s (31 attempts)',
});

const results = [
  run('web', 'iptables', 'passed', [step(1, 'passed'), step(2, 'skipped', { reason: 'only for proxy mode userspace' })]),
  run('web', 'nftables', 'failed', [step(1, 'passed'), failing, step(3, 'not run', { reason: 'step 2 failed' })]),
  run('web', 'ipvs', 'skipped', [], 'proxy mode ipvs needs kernel modules ip_vs'),
  run('dns', 'iptables', 'failed', [step(1, 'not run', { reason: 'the lab could not be set up: boom' })], 'the lab could not be set up: boom'),
];

test('a failed run shows the failed step with its line, what was expected and seen, and what the lab holds', (t) => {
  const text = runReport(results[1]!, false).join('\n');
  t.regex(text, /^✗ FAIL web \[nftables\]  the web scenario  \(12\.0 s\)/);
  t.regex(text, /✗  2\. http GET http:\/\/web\/ ×20 from client  \(1\.50 s\)   scenarios\/web\.yaml:12/);
  t.regex(text, /✗ 20 requests\n\s+expected: all answer 200\n\s+seen:     0\/20 did \(ETIMEDOUT ×20\)/);
  t.notRegex(text, /latency/);
  t.regex(text, /what the lab holds:\n\s+endpoints default\/web \(cluster IP 10\.96\.5\.5\): ready none/);
  t.regex(text, /still failing after 10\.0 s \(31 attempts\)/);
  t.deepEqual(runReport(results[0]!, false), ['✓ PASS web [iptables]  the web scenario  (12.0 s)']);
  t.deepEqual(runReport(results[2]!, false)[1], '    skipped: proxy mode ipvs needs kernel modules ip_vs');
});

test('the summary is a table by proxy mode, with skip reasons and failures listed', (t) => {
  const lines = summary(results, 125_000);
  t.is(lines[0], 'scenario  iptables  nftables  ipvs');
  t.is(lines[1], 'web       pass      FAIL      skip');
  t.is(lines[2], 'dns       FAIL');
  t.true(lines.includes('skipped ipvs: proxy mode ipvs needs kernel modules ip_vs'));
  t.true(lines.includes('failed: web [nftables]: http GET http://web/ ×20 from client'));
  t.is(lines.at(-1), '2 scenarios, 4 runs: 1 passed, 2 failed, 1 skipped in 2m05s');
});

test('JUnit XML has a suite per run, a case per step, skips with reasons and failures with the report', (t) => {
  const xml = junitXml(results, 125_000);
  t.regex(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="svclab scenarios" tests="8" failures="2" errors="0" skipped="4" time="125\.000">/);
  t.is(xml.match(/<testsuite /g)?.length, 4);
  t.regex(xml, /<testsuite name="the web scenario \[nftables\]" file="scenarios\/web\.yaml" tests="3" failures="1" errors="0" skipped="1" time="12\.000">/);
  t.regex(xml, /<testcase classname="web\.nftables" name="02 http GET http:\/\/web\/ ×20 from client" time="1\.500">\n\s+<failure message="20 requests: expected all answer 200; seen 0\/20 did \(ETIMEDOUT ×20\)" type="expectation">scenarios\/web\.yaml:12\n/);
  t.regex(xml, /<testcase classname="web\.ipvs" name="proxy mode ipvs" time="0\.000">\n\s+<skipped message="proxy mode ipvs needs kernel modules ip_vs"\/>/);
  t.regex(xml, /<testcase classname="dns\.iptables" name="cluster" time="12\.000">\n\s+<failure message="the lab could not be set up: boom" type="setup">/);
  t.regex(xml, /<property name="behaviour" value="a behaviour"\/>/);
});

test('XML escaping covers markup and drops characters XML cannot hold', (t) => {
  t.is(xmlEscape('<a href="x">&\u0001</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
});
