// Issue 16's reproductions against a real lab: the request that crashed the API
// server through its TCP port, replicas of 1e12 from the real kubectl with the
// controllers running, a watch from a bad resourceVersion, and who can read the state.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { Deployment } from '../../../src/api/types.js';
import { labDir, paths, readState, serverUrl } from '../../../src/lab/state.js';
import { adminCurl, apiRequest, componentPid, lab, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { podsMatching, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'hard', ['--nodes', '1']);
const kubectl = (...args: string[]) => lab(['kubectl', '--name', s.name, ...args]);

it.serial('a Service with 20,000 nested arrays, sent again and again, is a 400 and the API server never restarts', async (t) => {
  const pid = componentPid(s.name, 'apiserver');
  const body = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"deep"},"spec":{"ports":[{"port":80}],"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
  for (let i = 0; i < 3; i++) {
    const r = await apiRequest(s.name, '/api/v1/namespaces/default/services', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    t.is(r.status, 400);
    t.regex((JSON.parse(r.text) as { message: string }).message, /json parse error: invalid character '\[' exceeded max depth/);
  }
  t.is(componentPid(s.name, 'apiserver'), pid);
  t.regex(String((await kubectl('get', 'service', 'deep')).all), /NotFound/);
});

it.serial('kubectl patching replicas to 1e12 or 1.5 gets the 422 and the controllers create nothing more', async (t) => {
  t.is((await kubectl('create', 'deployment', 'many', '--image=lab/hello')).exitCode, 0);
  await waitFor('one pod of many', async () => (await podsMatching(s, 'app=many')).length === 1, 30_000, 250);
  for (const replicas of ['1e12', '1.5']) {
    const r = await kubectl('patch', 'deployment', 'many', '--type=merge', '-p', `{"spec":{"replicas":${replicas}}}`);
    t.not(r.exitCode, 0);
    t.regex(String(r.all), /is invalid:[\s\S]*patch: Invalid value: [\s\S]*cannot unmarshal number \S+ into Go struct field DeploymentSpec.spec.replicas of type int32/);
  }
  const scaled = await kubectl('scale', 'deployment', 'many', '--replicas=-1');
  t.not(scaled.exitCode, 0);
  await new Promise((r) => setTimeout(r, 1000)); // what a controller would have created by now
  t.is((await s.client.get<Deployment>(types.deployments, 'many', 'default')).spec.replicas, 1);
  t.is((await podsMatching(s, 'app=many')).length, 1);
});

it.serial('curl can create from a YAML body; duplicate keys are refused under fieldValidation=Strict and warned about otherwise', async (t) => {
  const url = serverUrl(readState(s.name)!);
  const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-curl\ndata:\n  a: "1"\n';
  const curl = (query: string, body: string) =>
    execa('curl', ['-sS', '-i', ...adminCurl(s.name), '-X', 'POST', '-H', 'Content-Type: application/yaml', '--data-binary', '@-', `${url}/api/v1/namespaces/default/configmaps${query}`], { input: body, reject: false });
  t.regex((await curl('', yaml)).stdout, /^HTTP\/1.1 201/);
  t.regex(String((await kubectl('get', 'configmap', 'from-curl', '-o', 'jsonpath={.data.a}')).stdout), /^1$/);
  const dup = yaml.replace('from-curl', 'dup') + '  a: "2"\n';
  const strict = await curl('?fieldValidation=Strict', dup);
  t.regex(strict.stdout, /^HTTP\/1.1 400/);
  t.regex(strict.stdout, /strict decoding error: yaml: unmarshal errors:\\n  line 7: key \\"a\\" already set in map/);
  t.regex((await curl('', dup)).stdout, /Warning: 299 - "line 7: key \\"a\\" already set in map"/);
});

it.serial('a watch from resourceVersion zzz through kubectl gets the 400 instead of an empty stream', async (t) => {
  const r = await kubectl('get', '--raw', '/api/v1/namespaces/default/pods?watch=true&resourceVersion=zzz', '--request-timeout=10s');
  t.not(r.exitCode, 0);
  t.regex(String(r.all), /resourceVersion: Invalid value: "zzz": strconv.ParseUint: parsing "zzz": invalid syntax/);
});

it.serial('the store, api-port, socket, logs and kubeconfig are root-only: user nobody reads none of them', async (t) => {
  const mode = (f: string) => fs.statSync(f).mode & 0o777;
  // The objects: the embedded store's log, or etcd's database (SVCLAB_STORE=etcd).
  const etcd = readState(s.name)!.plan.store === 'etcd';
  const store = etcd ? paths.etcd(s.name) : path.join(paths.store(s.name), 'store');
  const objects = etcd ? path.join(store, 'data', 'member', 'snap', 'db') : path.join(store, 'wal.log');
  t.is(mode(labDir(s.name)), 0o711);
  t.deepEqual([store, paths.logs(s.name), paths.kubeletSockets(s.name)].map(mode), [0o700, 0o700, 0o700]);
  t.deepEqual([objects, paths.apiPort(s.name), paths.socket(s.name), paths.kubeconfig(s.name)].map(mode), [0o600, 0o600, 0o600, 0o600]);
  const asNobody = (...argv: string[]) => execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv], { reject: false });
  for (const file of [paths.apiPort(s.name), objects, paths.kubeconfig(s.name), path.join(paths.logs(s.name), 'supervisor.log')]) {
    const r = await asNobody('cat', file);
    t.not(r.exitCode, 0, file);
    t.regex(r.stderr, /Permission denied/);
  }
  t.regex((await asNobody('ls', labDir(s.name))).stderr, /Permission denied/);
  const curl = await asNobody('curl', '-sS', '--unix-socket', paths.socket(s.name), 'http://local/api/v1/secrets');
  t.not(curl.exitCode, 0);
  t.regex(curl.stderr, /Permission denied|Couldn't connect/);
});
