// The kubelet API over TLS on <node IP>:10250, as upstream's kubelet serves it: its serving
// certificate from the CSR flow (kubernetes.io/kubelet-serving), clients authenticated by the lab
// CA (a certificate is required) and authorized by SubjectAccessReviews (authz.ts).
import fs from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { ApiClient } from '../../client/client.js';
import { requestCertificate } from '../../client/certificate-request.js';
import { sleep } from '../../util/poll.js';
import type { Proxier } from '../proxy/proxier.js';
import { authorizeKubeletClient, subjectAccessReviewer } from './authz.js';
import { CertificateRotation, type Credentials } from './certificate-rotation.js';
import type { Kubelet } from './kubelet.js';
import { serveKubeletApi } from './server.js';
import { kubeletPort } from '../../net/ports.js';

interface Serving {
  node: string;
  ip: string;
  /** The kubelet's --cert-dir: kubelet-server-<node>.crt/.key live there. */
  certDir: string;
  ca: Buffer;
}

/**
 * A certificate still good for an hour, for this node's IP and name, issued by the lab CA, whose key
 * is the one beside it (a renewal writes the new key before its certificate arrives).
 */
function usable(certFile: string, keyFile: string, s: Serving): boolean {
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    const ca = new crypto.X509Certificate(s.ca);
    const ours = cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(keyFile)));
    return ours && Date.parse(cert.validTo) > Date.now() + 3600_000 && cert.checkIP(s.ip) !== undefined && cert.checkHost(s.node) !== undefined && cert.verify(ca.publicKey);
  } catch {
    return false; // none yet, or unreadable: request a new one
  }
}

/** The kubelet's serving certificate: the one in --cert-dir if still usable (and not renewing), else a new one through a CSR. */
async function servingCertificate(client: ApiClient, s: Serving, renew = false): Promise<Credentials> {
  fs.mkdirSync(s.certDir, { recursive: true, mode: 0o700 });
  const certFile = path.join(s.certDir, `kubelet-server-${s.node}.crt`);
  const keyFile = path.join(s.certDir, `kubelet-server-${s.node}.key`);
  if (renew || !usable(certFile, keyFile, s)) {
    await requestCertificate(client, {
      subject: `/O=system:nodes/CN=system:node:${s.node}`,
      sans: { dns: [s.node], ips: [s.ip] },
      signerName: 'kubernetes.io/kubelet-serving',
      usages: ['digital signature', 'server auth'],
      keyFile,
      certFile,
      what: `node ${s.node}'s kubelet serving certificate`,
    });
  }
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}

function peerOf(req: http.IncomingMessage): Parameters<typeof authorizeKubeletClient>[0] {
  const socket = req.socket as TLSSocket;
  const cert = socket.getPeerCertificate();
  const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return { verified: socket.authorized, commonName: list(cert?.subject?.CN)[0], organizations: list(cert?.subject?.O) };
}

/** Gets the serving certificate (retrying until the API issues one), then listens on <ip>:10250. */
export async function startKubeletTlsServer(client: ApiClient, kubelet: Kubelet, proxier: Proxier, s: Serving): Promise<https.Server> {
  let creds: Credentials;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
    try {
      creds = await servingCertificate(client, s);
      break;
    } catch (e) {
      console.error(`agent: kubelet serving certificate for ${s.node}: ${(e as Error).message}`);
      await sleep(delay);
    }
  }
  const server = https.createServer({ ...creds, ca: s.ca, requestCert: true, rejectUnauthorized: false });
  const authorize = subjectAccessReviewer(client, s.node);
  serveKubeletApi(server, kubelet, proxier, async (req) => {
    const verdict = await authorizeKubeletClient(peerOf(req), req.method, req.url ?? '/', authorize);
    return verdict.allowed ? undefined : verdict;
  });
  // The address may still be held by a previous agent's socket for a moment: retry, never crash.
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    const failed = await new Promise<Error | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(kubeletPort, s.ip, () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    });
    if (!failed) break;
    console.error(`agent: kubelet API on ${s.ip}:${kubeletPort}: ${failed.message}`);
    await sleep(delay);
  }
  server.on('error', (e) => console.error(`agent: kubelet API over TLS: ${e.message}`));
  console.log(`agent: kubelet API over TLS on ${s.ip}:${kubeletPort}`);
  // The kubelet's RotateKubeletServerCertificate: renewed before it expires, without a restart.
  const rotation = new CertificateRotation({
    current: creds,
    renew: () => servingCertificate(client, s, true),
    apply: (c) => {
      server.setSecureContext({ ...c, ca: s.ca });
      console.log(`agent: kubelet serving certificate of ${s.node} rotated: the new one is valid until ${new crypto.X509Certificate(c.cert).validTo}`);
    },
    onScheduled: (at) => console.log(`agent: kubelet serving certificate of ${s.node}: renewal due ${new Date(at).toISOString()}`),
    onError: (e) => console.error(`agent: renewing the kubelet serving certificate of ${s.node}: ${(e as Error).message}`),
  });
  server.on('close', () => rotation.stop());
  return server;
}
