// Issue 16's authentication against a real lab: the PKI, kubectl over HTTPS, who a request
// without credentials is (a local non-root user, a pod without a token), the refusals of bad
// credentials, and kubernetes.default serving HTTPS with the lab CA inside the pod network.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import { pkiDir, pkiFiles } from '../../../src/lab/credentials.js';
import { paths, readState, serverUrl } from '../../../src/lab/state.js';
import { lab, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { readyPods, useLab } from '../workloads/lab-session.js';

const it = e2e(test);
const s = useLab(it, 'authn', ['--nodes', '1']);
const kubectl = (...args: string[]) => lab(['kubectl', '--name', s.name, ...args]);
const whoamiPath = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const review = '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}';
const asNobody = (...argv: string[]) => execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv], { reject: false });

/** The CA certificate is public: a copy anyone may read, for curl as nobody and inside pods. */
function publicCA(): string {
  const file = path.join(s.scratch, 'ca.crt');
  if (!fs.existsSync(file)) {
    fs.chmodSync(s.scratch, 0o755);
    fs.copyFileSync(pkiFiles.caCert(s.name), file);
    fs.chmodSync(file, 0o644);
  }
  return file;
}

/** Who the API takes a request for: 201 with the user, or (once RBAC is enforced) the 403 that names it. */
function identity(out: string): string {
  const body = JSON.parse(out.slice(out.indexOf('{'))) as { status?: { userInfo?: { username: string } }; message?: string; code?: number };
  if (body.status?.userInfo) return body.status.userInfo.username;
  const m = body.code === 403 ? /User "([^"]+)" cannot/.exec(body.message ?? '') : null;
  return m ? m[1]! : `unexpected answer: ${out}`;
}

it.serial('lab up made the PKI: root-only files, the serving certificate names every address pods and users use', async (t) => {
  t.is(fs.statSync(pkiDir(s.name)).mode & 0o777, 0o700);
  for (const f of fs.readdirSync(pkiDir(s.name), { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) t.is(fs.statSync(path.join(f.parentPath, f.name)).mode & 0o777, 0o600, f.name);
  const san = await execa('openssl', ['x509', '-in', pkiFiles.servingCert(s.name), '-noout', '-ext', 'subjectAltName']);
  for (const n of ['IP Address:127.0.0.1', 'IP Address:172.18.0.1', 'IP Address:10.96.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local']) t.true(san.stdout.includes(n), n);
  t.regex((await execa('openssl', ['x509', '-in', pkiFiles.adminCert(s.name), '-noout', '-subject'])).stdout, /subject=O = system:masters, CN = kubernetes-admin/);
  t.is((await execa('openssl', ['verify', '-CAfile', pkiFiles.caCert(s.name), pkiFiles.servingCert(s.name), pkiFiles.adminCert(s.name)])).exitCode, 0);
  const r = await asNobody('cat', pkiFiles.caKey(s.name));
  t.regex(r.stderr, /Permission denied/);
  t.deepEqual([paths.socket(s.name), paths.tlsSocket(s.name)].map((f) => fs.statSync(f).mode & 0o777), [0o600, 0o600]);
});

it.serial('kubectl works over HTTPS as kubernetes-admin; kubectl create token gives a token that is the default ServiceAccount', async (t) => {
  t.regex(serverUrl(readState(s.name)!), /^https:/);
  const who = await kubectl('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}');
  t.is(String(who.stdout), 'kubernetes-admin ["system:masters","system:authenticated"]');
  t.regex(String((await kubectl('get', 'pods', '-n', 'kube-system')).stdout), /coredns-\S+\s+1\/1\s+Running/);
  const token = String((await kubectl('create', 'token', 'default', '--duration=10m')).stdout).trim();
  t.regex(token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  const url = `${serverUrl(readState(s.name)!)}${whoamiPath}`;
  const r = await execa('curl', ['-sS', '--cacert', publicCA(), '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '-d', review, url]);
  t.is(identity(r.stdout), 'system:serviceaccount:default:default');
  // Bound to a pod: the claims name it and its node, as upstream 1.32's.
  const [dns] = (await s.client.list<Pod>(types.pods, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })).items;
  const bound = String((await kubectl('create', 'token', 'coredns', '-n', 'kube-system', '--bound-object-kind', 'Pod', '--bound-object-name', dns!.metadata.name!)).stdout).trim();
  const claims = JSON.parse(Buffer.from(bound.split('.')[1]!, 'base64url').toString()) as { sub: string; 'kubernetes.io': { pod: { name: string; uid: string }; node: { name: string } } };
  t.is(claims.sub, 'system:serviceaccount:kube-system:coredns');
  t.deepEqual(claims['kubernetes.io'].pod, { name: dns!.metadata.name, uid: dns!.metadata.uid });
  t.is(claims['kubernetes.io'].node.name, dns!.spec.nodeName!);
});

it.serial('a local non-root user: no credentials is system:anonymous; a guessed token or a certificate of another CA is a 401', async (t) => {
  const url = serverUrl(readState(s.name)!);
  t.regex((await asNobody('cat', paths.apiPort(s.name))).stderr, /Permission denied/);
  const curl = (...extra: string[]) => asNobody('curl', '-sS', '--cacert', publicCA(), '-H', 'Content-Type: application/json', ...extra);
  const anon = await curl('-d', review, `${url}${whoamiPath}`);
  t.is(identity(anon.stdout), 'system:anonymous');
  const guessed = await curl('-i', '-H', 'Authorization: Bearer 0123456789abcdef', `${url}/api/v1/namespaces/default/pods`);
  t.regex(guessed.stdout, /^HTTP\/1.1 401/);
  t.regex(guessed.stdout, /"message":"Unauthorized","reason":"Unauthorized","code":401/);
  // A self-made CA claiming system:masters.
  const dir = s.scratch;
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${dir}/fake.key`, '-out', `${dir}/fake.crt`, '-subj', '/O=system:masters/CN=kubernetes-admin', '-days', '1']);
  fs.chmodSync(`${dir}/fake.key`, 0o644);
  const forged = await curl('-i', '--cert', `${dir}/fake.crt`, '--key', `${dir}/fake.key`, `${url}/api/v1/namespaces/default/pods`);
  t.regex(forged.stdout, /^HTTP\/1.1 401/);
  // The reproduction's write: anonymous, so RBAC refuses it in upstream's words, and nothing is stored.
  const pod = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'from-nobody' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'c', image: 'lab/toolbox', command: ['true'] }] } });
  const write = await curl('-d', pod, `${url}/api/v1/namespaces/default/pods`);
  t.regex(write.stdout, /"message":"pods is forbidden: User \\"system:anonymous\\" cannot create resource \\"pods\\" in API group \\"\\" in the namespace \\"default\\"".*"code":403/);
  t.false((await s.client.list(types.pods, 'default')).items.some((p) => p.metadata.name === 'from-nobody'));
});

it.serial('from a pod: kubernetes.default:443 is HTTPS the lab CA verifies; without a token the pod is anonymous, a bad token is a 401', async (t) => {
  await kubectl('run', 'probe', '--image=lab/toolbox', '--overrides={"spec":{"automountServiceAccountToken":false}}');
  const [pod] = await readyPods(s, 'run=probe', 1);
  const rec = JSON.parse(fs.readFileSync(path.join(paths.store(s.name), 'nodes', pod!.spec.nodeName!, 'pods', pod!.metadata.uid!, 'sandbox.json'), 'utf8')) as { netns: string };
  const inNetns = (...argv: string[]) => execa('ip', ['netns', 'exec', rec.netns, ...argv], { reject: false });
  const ca = publicCA();
  const base = 'https://kubernetes.default.svc.cluster.local';
  const tls = await inNetns('curl', '-sS', '--cacert', ca, '-w', ' %{ssl_verify_result}', `${base}/version`);
  t.regex(tls.stdout, /"gitVersion":"v1\.32\.\d+[^"]*".* 0$/s);
  const byIP = await inNetns('curl', '-sS', '--cacert', ca, '-o', '/dev/null', '-w', '%{http_code}', 'https://10.96.0.1/version');
  t.is(byIP.stdout, '200');
  const anon = await inNetns('curl', '-sS', '--cacert', ca, '-H', 'Content-Type: application/json', '-d', review, `${base}${whoamiPath}`);
  t.is(identity(anon.stdout), 'system:anonymous');
  const bad = await inNetns('curl', '-sS', '--cacert', ca, '-H', 'Authorization: Bearer not-a-token', '-o', '/dev/null', '-w', '%{http_code}', `${base}/api/v1/namespaces/kube-system/pods`);
  t.is(bad.stdout, '401');
  // The reproduction spoke plain HTTP to port 443: it gets no answer now, only TLS is spoken there.
  const plain = await inNetns('curl', '-sS', '--max-time', '5', '-H', 'Content-Type: application/json', '-d', review, `http://kubernetes.default.svc.cluster.local:443${whoamiPath}`);
  t.not(plain.exitCode, 0);
  t.notRegex(plain.stdout, /"kind":"SelfSubjectReview"/);
});

it.serial('a ServiceAccount token stops working when its account is deleted', async (t) => {
  t.is((await kubectl('create', 'serviceaccount', 'shortlived')).exitCode, 0);
  const token = String((await kubectl('create', 'token', 'shortlived')).stdout).trim();
  const ask = () => execa('curl', ['-sS', '--cacert', publicCA(), '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '-d', review, `${serverUrl(readState(s.name)!)}${whoamiPath}`]);
  t.is(identity((await ask()).stdout), 'system:serviceaccount:default:shortlived');
  t.is((await kubectl('delete', 'serviceaccount', 'shortlived')).exitCode, 0);
  await waitFor('the token refused', async () => /"code":401/.test((await ask()).stdout));
  t.pass();
});

it.serial('pods get their ServiceAccount and the kube-api-access volume; its files are on the node, root-only above them', async (t) => {
  const [dns] = (await s.client.list<Pod>(types.pods, 'kube-system', { labelSelector: 'k8s-app=kube-dns' })).items;
  t.is(dns!.spec.serviceAccountName, 'coredns');
  const vol = dns!.spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
  t.truthy(vol);
  const dir = path.join(paths.store(s.name), 'nodes', dns!.spec.nodeName!, 'pods', dns!.metadata.uid!, 'volumes', 'kubernetes.io~projected', vol!.name);
  t.deepEqual(fs.readdirSync(dir).sort(), ['ca.crt', 'namespace', 'token']);
  t.is(fs.readFileSync(path.join(dir, 'namespace'), 'utf8'), 'kube-system');
  t.is(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), fs.readFileSync(pkiFiles.caCert(s.name), 'utf8'));
  t.is(fs.statSync(path.join(paths.store(s.name), 'nodes')).mode & 0o777, 0o700);
  t.regex((await asNobody('cat', path.join(dir, 'token'))).stderr, /Permission denied/);
});
