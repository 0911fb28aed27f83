// kubectl logs, exec and port-forward to a pod on a joined machine: the API server on A reaches
// node2's kubelet on B as upstream does, over TLS to 172.18.0.3:10250 (its serving certificate from
// a kubelet-serving CSR), through the router's HTTP-CONNECT egress socket; A's own node keeps the
// unix socket. Real kubectl runs on A. One lab: A (`lab up --nodes 1 --listen`), B (`lab join --nodes 1`).
import test from 'ava';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import tls from 'node:tls';
import type { Result, ResultPromise } from 'execa';
import YAML from 'yaml';
import type { CertificateSigningRequest, KubeList, Pod } from '../../../src/api/types.js';
import { isReady } from '../../../src/api/conditions.js';
import { connectThrough } from '../../../src/apiserver/subresources/kubelet-dial.js';
import { waitFor } from '../../helpers/lab.js';
import { createMachines, machineSnapshot, type Machine, type Machines } from '../../helpers/machines.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const tag = `k${process.pid % 10000}`;
const labA = `ka${process.pid % 10000}`;
const labB = `kb${process.pid % 10000}`;
let machines: Machines;
let A: Machine;
let B: Machine;
let before: string[][];
const node2IP = '172.18.0.3';

async function kubectl(args: string[], input?: string): Promise<string> {
  const r = await A.lab(['kubectl', '--name', labA, ...args], input === undefined ? {} : { input });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${String(r.all)}`);
  return String(r.stdout);
}

/** A's state dir and B's, as each machine's lab sees them (machines.ts: SVCLAB_STATE_ROOT). */
const dirA = () => path.join(A.stateRoot, labA);
const dirB = () => path.join(B.stateRoot, labB);

/** GET path on node2's kubelet, through A's egress socket, with the given client certificate (or none). */
async function kubeletGet(urlPath: string, client: { cert: Buffer; key: Buffer } | undefined): Promise<{ status: number; body: string }> {
  const tunnel = await connectThrough(path.join(dirA(), 'egress.sock'), `${node2IP}:10250`);
  const s = tls.connect({ socket: tunnel, host: node2IP, servername: '', ca: fs.readFileSync(path.join(dirA(), 'pki', 'ca.crt')), ...client });
  await new Promise<void>((resolve, reject) => s.once('secureConnect', resolve).once('error', reject));
  return new Promise((resolve, reject) => {
    const req = http.get({ createConnection: () => s as never, path: urlPath, headers: { host: `${node2IP}:10250` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
  });
}

const pem = (dir: string, base: string) => ({ cert: fs.readFileSync(path.join(dir, `${base}.crt`)), key: fs.readFileSync(path.join(dir, `${base}.key`)) });

it.before(async (t) => {
  machines = await createMachines(tag, 2);
  [A, B] = machines.machines as [Machine, Machine];
  // Once both eth0 have carrier (a fresh veth may not yet).
  await waitFor('the machines linked', async () => {
    before = [await machineSnapshot(A, labA), await machineSnapshot(B, labB)];
    return !before.flat().some((l) => l.includes('NO-CARRIER'));
  }, 10_000, 100);
  const up = await A.lab(['up', '--name', labA, '--nodes', '1', '--listen', `${A.ip}:6443`]);
  t.is(up.exitCode, 0, String(up.all));
  const token = /--token\s+([a-z0-9]{6}\.[a-z0-9]{16})/.exec(String(up.stdout))?.[1];
  const hash = /--discovery-token-ca-cert-hash\s+(sha256:[0-9a-f]{64})/.exec(String(up.stdout))?.[1];
  const join = await B.lab(['join', `https://${A.ip}:6443`, '--token', token!, '--discovery-token-ca-cert-hash', hash!, '--nodes', '1', '--name', labB, '--host-name', 'machine-b']);
  t.is(join.exitCode, 0, String(join.all));
  const pod = (name: string, node: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'lab/hello' }] } }) as Pod;
  await kubectl(['apply', '-f', '-'], [pod('web-a', 'node1'), pod('web-b', 'node2')].map((o) => YAML.stringify(o)).join('---\n'));
  await waitFor('web-a and web-b Running and Ready', async () => {
    const list = (JSON.parse(await kubectl(['get', 'pods', '-o', 'json'])) as KubeList<Pod>).items;
    return list.length === 2 && list.every((p) => p.status?.phase === 'Running' && isReady(p));
  }, 60_000, 500);
  // node2's kubelet serves TLS once its serving certificate is issued.
  await waitFor("node2's kubelet on 172.18.0.3:10250", async () => (await kubeletGet('/healthz', undefined).catch(() => ({ status: 0 }))).status === 401, 60_000, 500);
});

it.after.always(async (t) => {
  try {
    await B?.lab(['down', '--name', labB]);
    await A?.lab(['down', '--name', labA]);
    // Both machines as they were: no kubelet certificates, egress socket or processes left behind.
    if (before) t.deepEqual([await machineSnapshot(A, labA), await machineSnapshot(B, labB)], before);
  } finally {
    await machines?.destroy();
  }
});

it.serial("node2's serving certificate came through an auto-approved kubelet-serving CSR: the node's own request, its IP and name", async (t) => {
  const csrs = (JSON.parse(await kubectl(['get', 'csr', '-o', 'json'])) as KubeList<CertificateSigningRequest>).items.filter((c) => c.spec.signerName === 'kubernetes.io/kubelet-serving');
  t.is(csrs.length, 1);
  t.is(csrs[0]!.spec.username, 'system:node:node2');
  t.true((csrs[0]!.status?.conditions ?? []).some((c) => c.type === 'Approved'));
  const cert = new crypto.X509Certificate(Buffer.from(csrs[0]!.status!.certificate!, 'base64'));
  t.is(cert.subject, 'O=system:nodes\nCN=system:node:node2');
  t.is(cert.subjectAltName, `DNS:node2, IP Address:${node2IP}`);
  t.true(cert.verify(new crypto.X509Certificate(fs.readFileSync(path.join(dirA(), 'pki', 'ca.crt'))).publicKey));
  t.true(fs.existsSync(path.join(dirB(), 'pki', 'nodes', 'kubelet-server-node2.crt')));
  // The Node says where its kubelet listens (the API server dials that port); node1 serves only its socket.
  t.is(await kubectl(['get', 'node', 'node2', '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}']), '10250');
  t.is(await kubectl(['get', 'node', 'node1', '-o', 'jsonpath={.status.daemonEndpoints}']), '');
});

it.serial('kubectl logs, exec and port-forward reach the pod on the joined machine (and still the one on A)', async (t) => {
  t.regex(await kubectl(['logs', 'web-b']), /hello: web-b listening on 10\.244\.2\.\d+:8080/);
  t.regex(await kubectl(['logs', 'web-a']), /hello: web-a listening on 10\.244\.1\.\d+:8080/);
  t.is((await kubectl(['exec', 'web-b', '--', 'hostname'])).trim(), 'web-b');
  t.is((await kubectl(['exec', 'web-a', '--', 'hostname'])).trim(), 'web-a');
  const pf = A.lab(['kubectl', '--name', labA, 'port-forward', 'pod/web-b', '18080:8080']) as unknown as ResultPromise;
  try {
    let answer: Result | undefined;
    await waitFor('an answer through the port-forward', async () => {
      answer = (await A.run(['curl', '-s', '--max-time', '5', 'http://127.0.0.1:18080/'])) as Result;
      return answer.exitCode === 0;
    }, 20_000, 300);
    t.regex(String(answer!.stdout), /^Hello from web-b at 10\.244\.2\.\d+:8080/);
  } finally {
    pf.kill('SIGTERM');
    await pf.catch(() => undefined);
  }
  // The pods proxy too: the kubelet opens the connection inside B's node.
  t.regex(await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web-b:8080/proxy/']), /^Hello from web-b/);
});

it.serial("the egress socket opens only kubelets on Node addresses; the kubelet's TLS port wants the API server's client certificate", async (t) => {
  const egress = path.join(dirA(), 'egress.sock');
  t.is(fs.statSync(egress).mode & 0o777, 0o600);
  await t.throwsAsync(connectThrough(egress, '172.18.0.1:6443'), { message: /403 egress to 172\.18\.0\.1:6443 refused: only kubelets/ });
  await t.throwsAsync(connectThrough(egress, '172.18.0.1:10250'), { message: /403 .*172\.18\.0\.1 is not a Node's address/ });
  await t.throwsAsync(connectThrough(egress, `${node2IP}:22`), { message: /403/ });
  const logs = '/containerLogs/default/web-b/main';
  t.like(await kubeletGet(logs, undefined), { status: 401, body: 'Unauthorized' });
  const node = await kubeletGet(logs, pem(path.join(dirB(), 'pki', 'nodes'), 'node2'));
  t.like(node, { status: 403, body: 'Forbidden (user=system:node:node2, verb=get, resource=nodes, subresource=proxy)' });
  const apiserver = await kubeletGet(logs, pem(path.join(dirA(), 'pki'), 'apiserver-kubelet-client'));
  t.is(apiserver.status, 200);
  t.regex(apiserver.body, /hello: web-b listening/);
});
