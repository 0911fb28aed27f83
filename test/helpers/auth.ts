// An API server on HTTPS with authentication on, and a throw-away PKI made with openssl:
// a CA (its server and client certificates) and a rogue CA.
import type { ExecutionContext } from 'ava';
import { execa } from 'execa';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { startApiServer, type TestServer } from './apiserver.js';
import { tempDir } from './tmp.js';

const issuer = 'https://kubernetes.default.svc.cluster.local';

async function pki(t: ExecutionContext<unknown>) {
  const dir = tempDir(t);
  const f = (n: string) => path.join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (...args: string[]) => execa('openssl', args, { env: { OPENSSL_CONF: '/dev/null' } });
  for (const ca of ['ca', 'rogue']) await openssl('req', '-x509', ...ec, '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-subj', `/CN=${ca}`, '-days', '1');
  const leaf = (ca: string, name: string, subj: string, ext: string) =>
    openssl('req', '-x509', '-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`), ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-subj', subj, '-days', '1', '-addext', ext);
  await Promise.all([
    leaf('ca', 'server', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1'),
    leaf('ca', 'alice', '/O=dev/O=ops/CN=alice', 'extendedKeyUsage=clientAuth'),
    leaf('rogue', 'mallory', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth'),
  ]);
  return (n: string) => fs.readFileSync(f(n));
}

export async function serve(t: ExecutionContext<unknown>): Promise<{ s: TestServer; file: (n: string) => Buffer }> {
  const file = await pki(t);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const s = await startApiServer(t, {
    tls: { key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt') },
    auth: {
      tokens: new Map([['admin-token', { username: 'ops', groups: ['system:masters'] }]]),
      serviceAccounts: { signingKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, issuer },
    },
  });
  return { s, file };
}


/** POST selfsubjectreviews (kubectl auth whoami) with the given credentials. */
export function whoami(s: TestServer, ca: Buffer, creds: { cert?: Buffer; key?: Buffer; token?: string }): Promise<{ status: number; body: { status?: { userInfo?: { username: string; groups: string[] } }; message?: string; reason?: string } }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${s.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, { method: 'POST', ca, cert: creds.cert, key: creds.key, headers: { 'Content-Type': 'application/json', ...(creds.token ? { Authorization: `Bearer ${creds.token}` } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end('{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}');
  });
}

