// Kubelet TLS bootstrap's client side: a key and a CSR for system:node:<node> made with openssl,
// the CertificateSigningRequest created with the bootstrap credentials, then waiting until the
// signer issued the certificate (or the request was denied or failed: an error saying why).
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { CertificateSigningRequest } from '../api/types.js';
import { ApiClient, type Connection } from '../client/client.js';
import { run } from '../net/run.js';
import { sleep } from '../util/poll.js';
import { UserError } from '../util/errors.js';

class NodeCertificateError extends UserError {}

/** What a 401 or 403 means to someone joining with a bootstrap token. */
function explained(e: unknown, node: string): unknown {
  if (!(e instanceof ApiError)) return e;
  if (e.code === 401) return new NodeCertificateError(`the API refused the bootstrap token (401 Unauthorized): it is unknown, expired or deleted; make a new one on the control plane with: lab token create --print-join-command`);
  if (e.code === 403) return new NodeCertificateError(`the API does not let this token request a certificate for node ${node}: ${e.message}`);
  return e;
}

export async function requestNodeCertificate(conn: Connection, node: string, dir: string, timeoutMs = 60_000): Promise<{ certFile: string; keyFile: string }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, `${node}.key`);
  const certFile = path.join(dir, `${node}.crt`);
  const req = path.join(dir, `${node}.csr`);
  const made = await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', req, '-subj', `/O=system:nodes/CN=system:node:${node}`]);
  if (made.exitCode !== 0) throw new Error(`openssl could not make a key and request for node ${node}: ${made.stderr.trim()}`);
  fs.chmodSync(keyFile, 0o600);
  const client = new ApiClient({ ...conn, timeoutMs: 10_000, userAgent: 'svclab-join' });
  try {
    const csr: CertificateSigningRequest = {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'node-csr-' },
      spec: { request: fs.readFileSync(req).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
    };
    const created = await client.create<CertificateSigningRequest>(types.certificatesigningrequests, csr).catch((e: unknown) => Promise.reject(explained(e, node)));
    const name = created.metadata.name!;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await client.get<CertificateSigningRequest>(types.certificatesigningrequests, name).catch((e: unknown) => Promise.reject(explained(e, node)));
      const ended = (now.status?.conditions ?? []).find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (ended) throw new NodeCertificateError(`the certificate request ${name} for node ${node} was ${ended.type === 'Denied' ? 'denied' : 'not issued (Failed)'}: ${ended.message ?? ended.reason ?? ''}`);
      if (now.status?.certificate) {
        fs.writeFileSync(certFile, Buffer.from(now.status.certificate, 'base64'), { mode: 0o600 });
        fs.rmSync(req, { force: true });
        return { certFile, keyFile };
      }
      if (Date.now() > deadline) {
        const approved = (now.status?.conditions ?? []).some((c) => c.type === 'Approved');
        throw new NodeCertificateError(
          approved
            ? `the certificate request ${name} for node ${node} was approved but not issued within ${timeoutMs / 1000} s: is the control plane's controller-manager running?`
            : `the certificate request ${name} for node ${node} was not approved within ${timeoutMs / 1000} s (Pending): an administrator can approve it with: kubectl certificate approve ${name}`,
        );
      }
      await sleep(300);
    }
  } finally {
    client.close();
  }
}
