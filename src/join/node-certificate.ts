// Kubelet TLS bootstrap's client side: a client certificate for system:node:<node> requested
// with the bootstrap credentials (client/certificate-request.ts), refusals explained for a joiner.
import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../api/errors.js';
import { ApiClient, type Connection } from '../client/client.js';
import { CertificateRequestError, requestCertificate } from '../client/certificate-request.js';

/** What a 401 or 403 means to someone joining with a bootstrap token. */
function explained(e: unknown, node: string): unknown {
  if (!(e instanceof ApiError)) return e;
  if (e.code === 401) return new CertificateRequestError(`the API refused the bootstrap token (401 Unauthorized): it is unknown, expired or deleted; make a new one on the control plane with: lab token create --print-join-command`);
  if (e.code === 403) return new CertificateRequestError(`the API does not let this token request a certificate for node ${node}: ${e.message}`);
  return e;
}

export async function requestNodeCertificate(conn: Connection, node: string, dir: string, timeoutMs = 60_000): Promise<{ certFile: string; keyFile: string }> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, `${node}.key`);
  const certFile = path.join(dir, `${node}.crt`);
  const client = new ApiClient({ ...conn, timeoutMs: 10_000, userAgent: 'svclab-join' });
  try {
    const subject = `/O=system:nodes/CN=system:node:${node}`;
    await requestCertificate(client, { subject, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], keyFile, certFile, what: `node ${node}`, timeoutMs, explain: (e) => explained(e, node) });
    return { certFile, keyFile };
  } finally {
    client.close();
  }
}
