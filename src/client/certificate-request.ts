// A key and a certificate through the CSR API: the key and PKCS#10 request made with openssl, the
// CertificateSigningRequest created, then waiting until its signer issued the certificate (or the
// request was denied or failed: an error saying why). Kubelet TLS bootstrap uses it for client
// certificates (lab join) and serving certificates (the agent).
import fs from 'node:fs';
import { types } from '../api/resources.js';
import type { CertificateSigningRequest } from '../api/types.js';
import { run } from '../net/run.js';
import { sleep } from '../util/poll.js';
import { UserError } from '../util/errors.js';
import type { ApiClient } from './client.js';

export class CertificateRequestError extends UserError {}

export interface CertificateRequest {
  /** openssl's -subj, e.g. /O=system:nodes/CN=system:node:node3. */
  subject: string;
  sans?: { dns: string[]; ips: string[] };
  signerName: string;
  usages: string[];
  keyFile: string;
  certFile: string;
  /** Who the request is for, in messages ("node node3"). */
  what: string;
  timeoutMs?: number;
  /** Turns an API error of the create or the reads into what it means to the caller. */
  explain?: (e: unknown) => unknown;
}

export async function requestCertificate(client: ApiClient, r: CertificateRequest): Promise<void> {
  const reqFile = `${r.keyFile}.csr`;
  const san = r.sans ? [...r.sans.dns.map((d) => `DNS:${d}`), ...r.sans.ips.map((ip) => `IP:${ip}`)] : [];
  const args = ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', r.keyFile, '-out', reqFile, '-subj', r.subject];
  if (san.length) args.push('-addext', `subjectAltName=${san.join(',')}`);
  const made = await run('openssl', args);
  if (made.exitCode !== 0) throw new Error(`openssl could not make a key and request for ${r.what}: ${made.stderr.trim()}`);
  fs.chmodSync(r.keyFile, 0o600);
  const explain = (e: unknown) => Promise.reject(r.explain ? r.explain(e) : e);
  const csr: CertificateSigningRequest = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: r.signerName === 'kubernetes.io/kubelet-serving' ? 'csr-' : 'node-csr-' },
    spec: { request: fs.readFileSync(reqFile).toString('base64'), signerName: r.signerName, usages: r.usages },
  };
  const created = await client.create<CertificateSigningRequest>(types.certificatesigningrequests, csr).catch(explain);
  const name = created.metadata.name!;
  const timeoutMs = r.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await client.get<CertificateSigningRequest>(types.certificatesigningrequests, name).catch(explain);
    const ended = (now.status?.conditions ?? []).find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (ended) throw new CertificateRequestError(`the certificate request ${name} for ${r.what} was ${ended.type === 'Denied' ? 'denied' : 'not issued (Failed)'}: ${ended.message ?? ended.reason ?? ''}`);
    if (now.status?.certificate) {
      fs.writeFileSync(r.certFile, Buffer.from(now.status.certificate, 'base64'), { mode: 0o600 });
      fs.rmSync(reqFile, { force: true });
      return;
    }
    if (Date.now() > deadline) {
      const approved = (now.status?.conditions ?? []).some((c) => c.type === 'Approved');
      throw new CertificateRequestError(
        approved
          ? `the certificate request ${name} for ${r.what} was approved but not issued within ${timeoutMs / 1000} s: is the control plane's controller-manager running?`
          : `the certificate request ${name} for ${r.what} was not approved within ${timeoutMs / 1000} s (Pending): an administrator can approve it with: kubectl certificate approve ${name}`,
      );
    }
    await sleep(300);
  }
}
