// CertificateSigningRequests through the API and the real kubectl (no root): the requester is
// recorded whatever the body says, the spec is immutable, `kubectl certificate approve|deny`
// go through /approval, the certificate only through /status, and validation speaks upstream's words.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { types } from '../../../../src/api/resources.js';
import type { CertificateSigningRequest } from '../../../../src/api/types.js';
import { ApiClient } from '../../../../src/client/client.js';
import { ApiError } from '../../../../src/api/errors.js';
import { serve } from '../../../helpers/auth.js';
import { tempDir } from '../../../helpers/tmp.js';

async function csrPem(t: Parameters<typeof tempDir>[0], subject: string): Promise<string> {
  const dir = tempDir(t);
  await execa('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'r'), '-subj', subject], { env: { OPENSSL_CONF: '/dev/null' } });
  return fs.readFileSync(path.join(dir, 'r'), 'utf8');
}

const csr = (name: string, pem: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], username: 'mallory', groups: ['system:masters'], ...extra },
  status: { conditions: [{ type: 'Approved', status: 'True' }] },
});

test('create records the requester, drops a pre-approval; kubectl get csr, certificate approve and deny work; status and approval are separate', async (t) => {
  const { s, file } = await serve(t);
  const client = new ApiClient({ server: s.url, token: 'admin-token', tls: { ca: file('ca.crt') } });
  t.teardown(() => client.close());
  const pem = await csrPem(t, '/O=dev/CN=alice');
  const made = await client.create<CertificateSigningRequest>(types.certificatesigningrequests, csr('alice', pem, { expirationSeconds: 3600 }) as never);
  t.is(made.spec.username, 'ops');
  t.deepEqual(made.spec.groups, ['system:masters', 'system:authenticated']);
  t.deepEqual(made.status, {});
  await client.create(types.certificatesigningrequests, csr('bob', pem) as never);

  const dir = tempDir(t);
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(path.join(dir, 'ca.crt'), file('ca.crt'));
  fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${s.url}", certificate-authority: ${path.join(dir, 'ca.crt')}}}]\nusers: [{name: u, user: {token: admin-token}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
  const kubectl = (...args: string[]) => execa('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { reject: false });
  const get = await kubectl('get', 'csr');
  t.regex(get.stdout, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\nalice\s+\d+s\s+kubernetes\.io\/kube-apiserver-client\s+ops\s+60m\s+Pending\nbob\s+\d+s\s+kubernetes\.io\/kube-apiserver-client\s+ops\s+<none>\s+Pending$/, get.stderr);
  t.is((await kubectl('certificate', 'approve', 'alice')).stdout, 'certificatesigningrequest.certificates.k8s.io/alice approved');
  t.is((await kubectl('certificate', 'deny', 'bob')).stdout, 'certificatesigningrequest.certificates.k8s.io/bob denied');
  const alice = await client.get<CertificateSigningRequest>(types.certificatesigningrequests, 'alice');
  t.like(alice.status?.conditions?.[0], { type: 'Approved', status: 'True', reason: 'KubectlApprove' });
  t.truthy(alice.status?.conditions?.[0]?.lastUpdateTime);
  t.regex((await kubectl('get', 'csr', 'bob')).stdout, /\nbob\s+.*\s+Denied$/);

  // Approving a denied request is refused by validation; a plain update cannot touch conditions or the certificate.
  t.is((await kubectl('certificate', 'approve', 'bob')).stderr, 'error: certificate signing request "bob" is already Denied');
  const bob = await client.get<CertificateSigningRequest>(types.certificatesigningrequests, 'bob');
  const both = await t.throwsAsync(client.update(types.certificatesigningrequests, { ...bob, status: { conditions: [...bob.status!.conditions!, { type: 'Approved', status: 'True' }] } }, 'approval'), { instanceOf: ApiError });
  t.regex(both.message, /status.conditions\[1\].type: Invalid value: "Approved": Approved and Denied conditions are mutually exclusive/);
  const viaStatus = await t.throwsAsync(client.update(types.certificatesigningrequests, { ...bob, status: { conditions: [] } }, 'approval'), { instanceOf: ApiError });
  t.regex(viaStatus.message, /status.conditions: Forbidden: updates may not remove a condition of type "Denied"/);
  const fake = Buffer.from(fs.readFileSync(path.join(dir, 'ca.crt'))).toString('base64');
  const plain = await client.update<CertificateSigningRequest>(types.certificatesigningrequests, { ...alice, spec: { ...alice.spec, username: 'eve' }, status: { certificate: fake } });
  t.deepEqual([plain.spec.username, plain.status?.certificate], ['ops', undefined], 'a plain update keeps spec and status');
  const issued = await client.update<CertificateSigningRequest>(types.certificatesigningrequests, { ...alice, status: { ...alice.status, certificate: fake, conditions: [] } }, 'status');
  t.is(issued.status?.certificate, fake);
  t.is(issued.status?.conditions?.[0]?.type, 'Approved', '/status keeps the approval');
  t.regex((await kubectl('get', 'csr', 'alice')).stdout, /Approved,Issued$/);
  const again = await t.throwsAsync(client.update(types.certificatesigningrequests, { ...issued, status: { ...issued.status, certificate: Buffer.from('x').toString('base64') } }, 'status'), { instanceOf: ApiError });
  t.regex(again.message, /status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block/);
});

test('validation: bad request PEM, usages, signerName and expirationSeconds in upstream words', async (t) => {
  const { s, file } = await serve(t);
  const client = new ApiClient({ server: s.url, token: 'admin-token', tls: { ca: file('ca.crt') } });
  t.teardown(() => client.close());
  const body = { ...csr('bad', 'not a pem'), spec: { request: Buffer.from('not a pem').toString('base64'), signerName: 'example', usages: ['client auth', 'flying', 'client auth'], expirationSeconds: 60 } };
  const e = await t.throwsAsync(client.create(types.certificatesigningrequests, body as never), { instanceOf: ApiError });
  t.is(e.code, 422);
  t.is(
    e.message,
    `CertificateSigningRequest.certificates.k8s.io "bad" is invalid: [spec.request: Invalid value: "${body.spec.request}": PEM block type must be CERTIFICATE REQUEST, spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping", spec.usages[2]: Duplicate value: "client auth", spec.signerName: Invalid value: "example": must be a fully qualified domain and path of the form 'example.com/signer-name', spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)]`,
  );
  t.is(s.store.list('certificates.k8s.io/certificatesigningrequests').length, 0, 'nothing stored');
  const masters = csr('root', await csrPem(t, '/O=system:masters/CN=eve'));
  const refused = await t.throwsAsync(client.create(types.certificatesigningrequests, masters as never), { instanceOf: ApiError });
  t.is(refused.code, 403);
  t.is(refused.message, 'certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
});
