// The csrsigning controller for the lab's signers: an approved, not yet issued request of
// kubernetes.io/kube-apiserver-client-kubelet, kubernetes.io/kube-apiserver-client or
// kubernetes.io/kubelet-serving (its DNS and IP subjectAltNames copied) is signed
// with the lab CA by the system's openssl (`openssl ca`: `openssl x509` of OpenSSL 3.0 cannot set
// a validity shorter than a day) for spec.expirationSeconds (at least 600 s, at most
// --cluster-signing-duration, default a year), backdated 5 minutes for clock skew, and written to
// status.certificate; a request its signer refuses gets a Failed condition instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { types } from '../../api/resources.js';
import type { CertificateSigningRequest } from '../../api/types.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { inspectCsr, type CsrInfo } from '../../net/csr.js';
import { run } from '../../net/run.js';
import { WorkQueue } from '../workqueue.js';
import { apiserverClientSigner, clientUsageProblem, kubeletClientProblem, kubeletClientSigner, kubeletServingProblem, kubeletServingSigner } from './decision.js';

export interface SigningCA {
  certFile: string;
  keyFile: string;
  /** --cluster-signing-duration: the longest validity issued, in seconds. */
  maxSeconds: number;
}

const backdateMs = 5 * 60_000;

/** openssl's names of the key usages a request may ask for. */
const keyUsages: Record<string, string> = { 'digital signature': 'digitalSignature', 'key encipherment': 'keyEncipherment' };
const extendedUsages: Record<string, string> = { 'client auth': 'clientAuth', 'server auth': 'serverAuth' };

/** openssl ca's date form: YYYYMMDDHHMMSSZ. */
const caDate = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');

export async function signWithOpenssl(requestPem: string, usages: string[], ca: SigningCA, seconds: number, now = Date.now(), sans: { dns: string[]; ips: string[] } = { dns: [], ips: [] }): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-csrsigning-'));
  try {
    const ku = usages.map((u) => keyUsages[u]).filter(Boolean);
    const eku = usages.map((u) => extendedUsages[u]).filter(Boolean);
    const san = [...sans.dns.map((d) => `DNS:${d}`), ...sans.ips.map((ip) => `IP:${ip}`)];
    const config = [
      '[ca]',
      'default_ca = lab',
      '[lab]',
      `database = ${dir}/index.txt`,
      `new_certs_dir = ${dir}`,
      `serial = ${dir}/serial`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'organizationName = optional',
      'commonName = supplied',
      '[ext]',
      'basicConstraints = critical,CA:FALSE',
      ...(ku.length ? [`keyUsage = critical,${ku.join(',')}`] : []),
      ...(eku.length ? [`extendedKeyUsage = ${eku.join(',')}`] : []),
      ...(san.length ? [`subjectAltName = ${san.join(',')}`] : []),
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'openssl.cnf'), config);
    fs.writeFileSync(path.join(dir, 'index.txt'), '');
    fs.writeFileSync(path.join(dir, 'request.pem'), requestPem);
    const out = path.join(dir, 'certificate.pem');
    const args = ['ca', '-batch', '-config', path.join(dir, 'openssl.cnf'), '-in', path.join(dir, 'request.pem'), '-out', out, '-cert', ca.certFile, '-keyfile', ca.keyFile];
    args.push('-startdate', caDate(now - backdateMs), '-enddate', caDate(now + seconds * 1000), '-extensions', 'ext', '-notext', '-preserveDN', '-create_serial');
    const r = await run('openssl', args, { timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw new Error(`openssl ca failed: ${r.stderr.trim().split('\n').slice(-2).join('; ')}`);
    return fs.readFileSync(out, 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The validity to issue: expirationSeconds (at least 600) up to the signer's maximum. */
export function issuedSeconds(expirationSeconds: number | undefined, maxSeconds: number): number {
  return expirationSeconds ? Math.min(Math.max(expirationSeconds, 600), maxSeconds) : maxSeconds;
}

export function startCsrSigner(client: ApiClient, csrs: Informer<CertificateSigningRequest>, ca: SigningCA): () => void {
  const queue = new WorkQueue('csrsigning', async (name) => {
    const csr = csrs.get(name);
    if (!csr || csr.status?.certificate) return;
    const signer = csr.spec.signerName;
    if (signer !== kubeletClientSigner && signer !== apiserverClientSigner && signer !== kubeletServingSigner) return;
    const has = (type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type);
    if (!has('Approved') || has('Denied') || has('Failed')) return;
    const pem = Buffer.from(csr.spec.request, 'base64').toString('latin1');
    const usages = csr.spec.usages ?? [];
    const parsed = await inspectCsr(pem);
    const check = (info: CsrInfo) => (signer === kubeletClientSigner ? kubeletClientProblem(info, usages) : signer === kubeletServingSigner ? kubeletServingProblem(info, usages) : clientUsageProblem(usages));
    const problem = !parsed.ok ? parsed.error : check(parsed.info);
    let status: CertificateSigningRequest['status'];
    if (problem) {
      const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: problem };
      status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), failed] };
    } else {
      const sans = signer === kubeletServingSigner && parsed.ok ? { dns: parsed.info.dnsNames, ips: parsed.info.ipAddresses } : undefined;
      const cert = await signWithOpenssl(pem, usages, ca, issuedSeconds(csr.spec.expirationSeconds, ca.maxSeconds), Date.now(), sans);
      status = { ...csr.status, certificate: Buffer.from(cert).toString('base64') };
    }
    try {
      await client.update(types.certificatesigningrequests, { ...csr, status }, 'status');
      console.log(problem ? `csrsigning: ${name} failed: ${problem}` : `csrsigning: issued ${name}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  });
  const add = (c: CertificateSigningRequest) => queue.add(c.metadata.name!);
  csrs.on({ add, update: add });
  for (const c of csrs.list()) add(c);
  return () => queue.stop();
}
