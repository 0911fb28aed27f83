// `lab run` as a user runs it: a sample of the library end to end, JUnit XML,
// exit codes, and a host left exactly as it was.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { hostSnapshot } from '../../helpers/host.js';
import { lab, labName, repo } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { tempDir } from '../../helpers/tmp.js';

const it = e2e(test);
const prefix = `${labName('scli')}-`;
const labs = [`${prefix}1`, `${prefix}2`];

it.after.always(async () => {
  for (const name of labs) await lab(['down', '--name', name]);
});

it.serial('lab run replays library scenarios on fresh labs, writes JUnit XML and leaves nothing behind', async (t) => {
  t.timeout(5 * 60_000);
  const before = await Promise.all(labs.map(hostSnapshot));
  const out = tempDir(t);
  const junit = path.join(out, 'results.xml');
  const files = ['scenarios/endpoints-follow-pods.yaml', 'scenarios/seeds/004-3-without-selectors.yaml'].map((f) => path.join(repo, f));
  const r = await lab(['run', ...files, '--proxy-mode', 'iptables', '--lab-prefix', prefix, '--junit', junit]);
  t.is(r.exitCode, 0, String(r.all));
  const text = String(r.all);
  t.regex(text, new RegExp(`▶ endpoints-follow-pods \\[iptables\\] .*\\(lab ${prefix}1, `));
  t.regex(text, /✓ 14\. empty again, refused again/);
  t.regex(text, /✓ PASS seeds\/004-3-without-selectors \[iptables\]/);
  t.regex(text, /2 scenarios, 2 runs: 2 passed, 0 failed, 0 skipped in \d+s/);

  const xml = fs.readFileSync(junit, 'utf8');
  t.regex(xml, /<testsuites name="svclab scenarios" tests="\d+" failures="0" errors="0" skipped="0"/);
  t.is(xml.match(/<testsuite /g)?.length, 2);
  t.is(xml.match(/<testcase /g)?.length, 14 + 17);
  t.regex(xml, /<testcase classname="seeds\.004-3-without-selectors\.iptables" name="16 the same curl now ends up on nginx instead of google\.com"/);

  t.deepEqual(await Promise.all(labs.map(hostSnapshot)), before);
});

it.serial('a bad scenario file stops lab run before any lab is built, with its line and column', async (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'good.yaml'), 'name: good\nsteps: [{sleep: 1s}]\n');
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'name: bad\nsteps:\n  - http: {from: client, url: http://web/, expect: {status: ok}}\n');
  const r = await lab(['run', dir, '--lab-prefix', prefix]);
  t.is(r.exitCode, 2);
  t.is(String(r.stderr).trim(), `${path.join(dir, 'bad.yaml')}:3:61: steps[0].http.expect.status: must be an integer or an array (got "ok")`);
  t.false(fs.existsSync(`/run/svclab/${prefix}1`));
});

it.serial('a failing scenario makes lab run exit 1 and report what was expected and seen', async (t) => {
  t.timeout(2 * 60_000);
  const dir = tempDir(t);
  const file = path.join(dir, 'wrong.yaml');
  fs.writeFileSync(
    file,
    [
      'name: expects a backend that does not exist',
      'manifests:',
      '  - {apiVersion: v1, kind: Pod, metadata: {name: web, labels: {app: web}}, spec: {containers: [{name: hello, image: lab/hello}]}}',
      '  - {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}}',
      'steps:',
      '  - wait: {ready: all, endpoints: {service: web, ready: 1}}',
      '  - http: {from: outside, url: "http://${svc/web.ip}/", expect: {backend: web}}',
      '    within: 2s',
      '  - sleep: 1s',
      '',
    ].join('\n'),
  );
  const junit = path.join(dir, 'out.xml');
  const r = await lab(['run', file, '--lab-prefix', prefix, '--junit', junit]);
  t.is(r.exitCode, 1, String(r.all));
  const text = String(r.all);
  // The cluster IP is not reachable from outside the cluster: the runner says so, with the service's endpoints and rules.
  t.regex(text, new RegExp(`✗  2\\. http GET http://\\$\\{svc/web\\.ip\\}/ from outside  \\(.*\\)   ${file.replace(/[.]/g, '\\.')}:7`));
  t.regex(text, /✗ 1 request\n\s+expected: all answer 200\n\s+seen:     0\/1 did \((ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNREFUSED) ×1\)/);
  t.regex(text, /endpoints default\/web \(cluster IP 10\.\d+\.\d+\.\d+\): ready 10\.244\.\d+\.\d+:8080 \(web on node\d\)/);
  t.regex(text, /rules on node1 \(iptables\): \n(\s+-A .*\n)*\s+-A KUBE-SERVICES -d 10\.[\d.]+\/32 -p tcp -m comment --comment "default\/web cluster IP"/);
  t.regex(text, /·  3\. sleep 1s  \(step 2 failed\)/);
  t.regex(fs.readFileSync(junit, 'utf8'), /failures="1"/);
  t.false(fs.existsSync(`/run/svclab/${prefix}1`), 'the lab is down even though the run failed');
});
