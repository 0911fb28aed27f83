// What a PKCS#10 certificate request says, read by the system's openssl (`openssl req -verify`):
// whether its self-signature verifies, its subject's O and CN, and which subjectAltName kinds it asks for.
import { spawnSync } from 'node:child_process';
import { run } from './run.js';

export interface CsrInfo {
  organizations: string[];
  commonName: string;
  /** subjectAltName entry kinds present: DNS, IP Address, email, URI. */
  sanKinds: string[];
  /** The DNS and IP subjectAltNames themselves (a serving certificate's names). */
  dnsNames: string[];
  ipAddresses: string[];
}

/** Go's wording (certificates.ParseCSR, x509.CertificateRequest.CheckSignature) for what openssl refused. */
export type CsrResult = { ok: true; info: CsrInfo } | { ok: false; error: string };

const argv = ['req', '-noout', '-verify', '-subject', '-nameopt', 'sep_multiline,sname,utf8', '-text', '-reqopt', 'no_header,no_version,no_subject,no_pubkey,no_sigdump'];

/** The first PEM block of text must be a CERTIFICATE REQUEST (as upstream's ParseCSR). */
function pemProblem(pem: string): string | undefined {
  const first = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  return first?.[1] === 'CERTIFICATE REQUEST' ? undefined : 'PEM block type must be CERTIFICATE REQUEST';
}

/** Reads openssl's answer (pure: exported for the unit tests). */
export function parseOpensslReq(exitCode: number, stdout: string, stderr: string): CsrResult {
  const all = `${stdout}\n${stderr}`;
  if (/verify failure/i.test(all)) return { ok: false, error: 'x509: signature verification failure' };
  if (exitCode !== 0 || !/verify OK/.test(all)) return { ok: false, error: 'x509: malformed certificate request' };
  const subject = stdout.slice(stdout.indexOf('subject=') + 'subject='.length);
  const attrs = subject.split('\n').map((l) => l.trim()).filter((l) => /^[A-Za-z]+=/.test(l));
  const values = (key: string) => attrs.filter((a) => a.startsWith(`${key}=`)).map((a) => a.slice(key.length + 1));
  const san = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]*)/.exec(stdout)?.[1] ?? '';
  const entries = san.split(',').map((e) => e.trim()).filter(Boolean);
  const sanKinds = [...new Set(entries.map((e) => e.split(':')[0]!))];
  const of = (kind: string) => entries.filter((e) => e.startsWith(`${kind}:`)).map((e) => e.slice(kind.length + 1));
  return { ok: true, info: { organizations: values('O'), commonName: values('CN')[0] ?? '', sanKinds, dnsNames: of('DNS'), ipAddresses: of('IP Address') } };
}

/** Synchronous, for the API server's validation (a few ms; CSRs are rare). */
export function inspectCsrSync(pem: string): CsrResult {
  const bad = pemProblem(pem);
  if (bad) return { ok: false, error: bad };
  const r = spawnSync('openssl', argv, { input: pem, encoding: 'utf8', timeout: 10_000, env: { OPENSSL_CONF: '/dev/null' } });
  return parseOpensslReq(r.status ?? 1, r.stdout ?? '', r.stderr ?? '');
}

export async function inspectCsr(pem: string): Promise<CsrResult> {
  const bad = pemProblem(pem);
  if (bad) return { ok: false, error: bad };
  const r = await run('openssl', argv, { input: pem, timeoutMs: 10_000 });
  return parseOpensslReq(r.exitCode, r.stdout, r.stderr);
}
