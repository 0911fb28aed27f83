import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { proxyModes } from '../../../src/agent/proxy/modes.js';
import { loadScenarios, parseScenario, scenarioFiles, ScenarioError } from '../../../src/scenario/parse.js';
import { repo } from '../../helpers/lab.js';
import { tempDir } from '../../helpers/tmp.js';

const scenarios = path.join(repo, 'scenarios');

function refusal(t: import('ava').ExecutionContext, text: string): string {
  const err = t.throws(() => parseScenario('s.yaml', text), { instanceOf: ScenarioError });
  return err!.message;
}

test('every scenario of the library is valid', (t) => {
  const files = scenarioFiles([scenarios]);
  t.true(files.length >= 35, `only ${files.length} files`);
  t.true(files.some((f) => f.includes(`${path.sep}seeds${path.sep}`)));
  const loaded = loadScenarios([scenarios]);
  t.is(loaded.length, files.length);
  for (const s of loaded) t.is(s.stepLines.length, s.steps.length, s.file);
});

test('each step knows the line it starts on', (t) => {
  const s = parseScenario('s.yaml', 'name: x\nsteps:\n  - sleep: 1s\n\n  - wait:\n      ready: all\n');
  t.deepEqual(s.stepLines, [3, 5]);
  t.is(s.file, 's.yaml');
});

test('an unknown key is reported at its line and column, with the closest allowed one', (t) => {
  const msg = refusal(t, 'name: x\nsteps:\n  - http:\n      from: client\n      url: http://web/\n      expect: {backendz: 2}\n');
  t.regex(msg, /^s\.yaml:6:16: steps\[0\]\.http\.expect\.backendz: unknown key "backendz" \(did you mean "backends"\?\)/);
});

test('a value of the wrong type names the expected type', (t) => {
  const msg = refusal(t, 'name: x\nsteps:\n  - http: {from: client, url: 80}\n');
  t.is(msg, 's.yaml:3:31: steps[0].http.url: must be a string (got an integer)');
});

test('a step must have exactly one action', (t) => {
  t.regex(refusal(t, 'name: x\nsteps:\n  - name: nothing to do\n'), /^s\.yaml:3:5: steps\[0\]: a step needs exactly one of apply, delete, .* \(found none; keys: name\)/);
  t.regex(refusal(t, 'name: x\nsteps:\n  - sleep: 1s\n    wait: {ready: all}\n'), /s\.yaml:3:5: steps\[0\]: a step needs exactly one of .* \(found wait, sleep/);
});

test('missing required keys and bad enum values are named', (t) => {
  t.regex(refusal(t, 'steps:\n  - sleep: 1s\n'), /^s\.yaml:1:1: \(top level\): needs "name"/);
  t.regex(refusal(t, 'name: x\ncluster: {proxyMode: ebpf}\nsteps: [{sleep: 1s}]\n'), /s\.yaml:2:22: cluster\.proxyMode: must be one of "iptables", "nftables", "nftables-maps", "ipvs", "userspace" \(got "ebpf"\)/);
  t.is(refusal(t, 'name: x\nsteps: [{sleep: soon}]\n'), 's.yaml:2:17: steps[0].sleep: "soon" is not valid here (a duration like 500ms, 10s or 2m)');
});

test('a scenario spread over more hosts than it has nodes is refused at load time', (t) => {
  t.is(refusal(t, 'name: x\ncluster: {hosts: 3}\nsteps: [{sleep: 1s}]\n'), 's.yaml:2:18: cluster.hosts: hosts: 3 needs at least as many nodes (nodes: 2 by default): every host carries a node');
  t.is(refusal(t, 'name: x\ncluster: {nodes: 2, hosts: 3}\nsteps: [{sleep: 1s}]\n'), 's.yaml:2:28: cluster.hosts: hosts: 3 needs at least as many nodes (nodes: 2): every host carries a node');
});

test('several problems are all reported, one line each', (t) => {
  const lines = refusal(t, 'name: x\nsteps:\n  - htp: {}\n  - dns: {from: client, name: web, type: MX2}\n').split('\n');
  t.is(lines.length, 2);
  t.regex(lines[0]!, /^s\.yaml:3:5: steps\[0\]\.htp: unknown key "htp" \(did you mean "http"\?\)/);
  t.regex(lines[1]!, /^s\.yaml:4:42: steps\[1\]\.dns\.type: must be one of/);
});

test('YAML syntax errors carry the position the yaml parser gives', (t) => {
  t.regex(refusal(t, 'name: x\nsteps:\n  - sleep: 1s\n   bad: [\n'), /^s\.yaml:\d+:\d+: /);
  t.regex(refusal(t, 'name: x\nname: y\nsteps: [{sleep: 1s}]\n'), /^s\.yaml:2:1: Map keys must be unique/);
});

test('templates, references and selectors are checked before anything runs', (t) => {
  t.regex(refusal(t, 'name: x\nsteps:\n  - http: {from: client, url: "http://${svc/web.ip:80/"}\n'), /^s\.yaml:3:31: steps\[0\]\.http\.url: unclosed template/);
  t.regex(refusal(t, 'name: x\nsteps:\n  - http: {from: client, url: "http://${svc/web:80}/"}\n'), /steps\[0\]\.http\.url: template \$\{svc\/web:80\}: use lab\.KEY/);
  t.regex(refusal(t, 'name: x\nsteps:\n  - http: {from: client, url: "http://${lab.nowhere}/"}\n'), /steps\[0\]\.http\.url: template \$\{lab\.nowhere\}: unknown lab value "nowhere"/);
  t.regex(refusal(t, 'name: x\nsteps:\n  - delete: gizmo/web\n'), /s\.yaml:3:13: steps\[0\]\.delete: unknown kind "gizmo"/);
  t.regex(refusal(t, 'name: x\nsteps:\n  - wait: {pods: {selector: "app in (a", count: 1}}\n'), /steps\[0\]\.wait\.pods\.selector: bad label selector/);
});

test('a manifest file that does not exist fails at load time', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'x.yaml');
  fs.writeFileSync(file, 'name: x\nmanifests:\n  - file: web.yaml\nsteps: [{sleep: 1s}]\n');
  const err = t.throws(() => parseScenario(file), { instanceOf: ScenarioError });
  t.is(err!.message, `${file}:3:11: manifests[0].file: no such file: ${path.join(dir, 'web.yaml')}`);
  fs.writeFileSync(path.join(dir, 'web.yaml'), 'kind: Pod\n');
  t.notThrows(() => parseScenario(file));
});

test('an error inside embedded YAML points at its line in the scenario', (t) => {
  const msg = refusal(t, 'name: x\nsteps:\n  - apply:\n      yaml: |\n        kind: Pod\n        metadata: [oops\n');
  t.regex(msg, /^s\.yaml:(6|7):\d+: steps\[0\]\.apply\.yaml: embedded YAML: /);
});

test('loading a directory reports every bad file, and nothing when all are good', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'name: a\nsteps: [{sleep: 1s}]\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'b.yml'), 'name: b\nsteps: [{slep: 1s}]\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), 'steps: [{sleep: 1s}]\n');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
  t.deepEqual(scenarioFiles([dir]).map((f) => path.relative(dir, f)), ['a.yaml', 'c.yaml', path.join('sub', 'b.yml')]);
  const err = t.throws(() => loadScenarios([dir]), { instanceOf: ScenarioError });
  t.regex(err!.message, /c\.yaml:1:1: \(top level\): needs "name"/);
  t.regex(err!.message, /b\.yml:2:10: steps\[0\]\.slep: unknown key/);
  t.throws(() => loadScenarios([path.join(dir, 'missing')]), { message: /no such file or directory/ });
});

test("the scenario schema's proxy modes are the registry's", (t) => {
  const schema = JSON.parse(fs.readFileSync(path.join(repo, 'docs', 'scenario.schema.json'), 'utf8')) as { $defs: { proxyMode: { enum: string[] } } };
  t.deepEqual(schema.$defs.proxyMode.enum, [...proxyModes]);
});
