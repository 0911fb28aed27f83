// CertificateSigningRequest validation with the field paths and wording of
// k8s.io/kubernetes/pkg/apis/certificates/validation (v1 API: no legacy signer,
// known usages only, Approved/Denied only through /approval, the certificate only through /status).
import { isDeepStrictEqual } from 'node:util';
import { inspectCsrSync } from '../../net/csr.js';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../types.js';
import { fieldErrors, path, type FieldError, type FieldPath } from './field.js';
import { dns1123Label, dns1123Subdomain } from './names.js';

const knownUsages = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment', 'cert sign', 'crl sign',
  'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing', 'email protection', 's/mime', 'ipsec end system',
  'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing', 'microsoft sgc', 'netscape sgc',
].sort();

const trueOnly = new Set(['Approved', 'Denied', 'Failed']);

/** Which update path is writing: a plain update, /status (the signer) or /approval (approvers). */
export type CsrWritePath = 'update' | 'status' | 'approval';

/** apivalidation.ValidateSignerName. */
function validateSignerName(fld: FieldPath, signerName: string | undefined): FieldError[] {
  if (!signerName) return [fieldErrors.required(fld.text)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [fieldErrors.invalid(fld.text, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const errs: FieldError[] = [];
  const [domain, rest] = segments as [string, string];
  if (domain.length > 253) errs.push(fieldErrors.tooLong(fld.text, 253));
  const labels = domain.split('.');
  for (const l of labels) {
    const bad = dns1123Label(l);
    if (bad.length > 0) {
      errs.push(...bad.map((e) => fieldErrors.invalid(fld.text, domain, `validating label ${JSON.stringify(l)}: ${e}`)));
      break;
    }
  }
  if (labels.length < 2) errs.push(fieldErrors.invalid(fld.text, domain, 'should be a domain with at least two segments separated by dots'));
  for (const l of rest.split('.')) {
    const bad = dns1123Subdomain(l);
    if (bad.length > 0) {
      errs.push(...bad.map((e) => fieldErrors.invalid(fld.text, rest, `validating label ${JSON.stringify(l)}: ${e}`)));
      break;
    }
  }
  if (signerName.length > 253 + 253 + 63 + 1 + 1) errs.push(fieldErrors.tooLong(fld.text, 571));
  return errs;
}

/** validateCertificate: the PEM blocks of status.certificate. */
function certificateProblem(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  const pem = Buffer.from(b64, 'base64').toString('latin1');
  const blocks = [...pem.matchAll(/-----BEGIN ([^-]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) {
    if (b[1] !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found ${JSON.stringify(b[1])}`;
    if (/^[\w-]+:/m.test(b[2]!)) return 'no PEM block headers are permitted';
  }
  return undefined;
}

function validateConditions(fld: FieldPath, conditions: CertificateSigningRequestCondition[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions.forEach((c, i) => {
    const at = fld.index(i);
    if (!c.type) errs.push(fieldErrors.required(at.child('type').text));
    const allowed = trueOnly.has(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(fieldErrors.required(at.child('status').text));
    else if (!allowed.includes(c.status)) errs.push(fieldErrors.notSupported(at.child('status').text, c.status, allowed));
    if (c.type === 'Approved') {
      approved = true;
      if (denied) errs.push(fieldErrors.invalid(at.child('type').text, c.type, 'Approved and Denied conditions are mutually exclusive'));
    } else if (c.type === 'Denied') {
      denied = true;
      if (approved) errs.push(fieldErrors.invalid(at.child('type').text, c.type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (seen.has(c.type)) errs.push(fieldErrors.duplicate(at.child('type').text, c.type));
    seen.add(c.type);
  });
  return errs;
}

/** Parsing the request costs an openssl run: the last verdicts are kept by request (spec is immutable). */
const verdicts = new Map<string, string | undefined>();

function requestProblem(b64: string): string | undefined {
  if (verdicts.has(b64)) return verdicts.get(b64);
  const r = inspectCsrSync(Buffer.from(b64, 'base64').toString('latin1'));
  const problem = r.ok ? undefined : r.error;
  if (verdicts.size >= 256) verdicts.delete(verdicts.keys().next().value!);
  verdicts.set(b64, problem);
  return problem;
}

export function validateCsr(csr: CertificateSigningRequest, old?: CertificateSigningRequest, via: CsrWritePath = 'update'): FieldError[] {
  const errs: FieldError[] = [];
  const spec = path('spec');
  const s = csr.spec ?? ({} as CertificateSigningRequest['spec']);
  const problem = requestProblem(s.request ?? '');
  if (problem) errs.push(fieldErrors.invalid(spec.child('request').text, s.request ?? '', problem));
  const usages = s.usages ?? [];
  if (usages.length === 0) errs.push(fieldErrors.required(spec.child('usages').text));
  const oldUsages = old?.spec.usages ?? [];
  const tolerateUnknown = oldUsages.some((u) => !knownUsages.includes(u));
  const tolerateDuplicates = new Set(oldUsages).size !== oldUsages.length;
  usages.forEach((u, i) => {
    if (!tolerateUnknown && !knownUsages.includes(u)) errs.push(fieldErrors.notSupported(spec.child('usages').index(i).text, u, knownUsages));
  });
  if (!tolerateDuplicates) usages.forEach((u, i) => usages.indexOf(u) < i && errs.push(fieldErrors.duplicate(spec.child('usages').index(i).text, u)));
  if (s.signerName === 'kubernetes.io/legacy-unknown' && old?.spec.signerName !== s.signerName) {
    errs.push(fieldErrors.invalid(spec.child('signerName').text, s.signerName, 'the legacy signerName is not allowed via this API version'));
  } else errs.push(...validateSignerName(spec.child('signerName'), s.signerName));
  if (s.expirationSeconds !== undefined && s.expirationSeconds !== null && s.expirationSeconds < 600) {
    errs.push(fieldErrors.invalid(spec.child('expirationSeconds').text, s.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  const conditions = csr.status?.conditions ?? [];
  errs.push(...validateConditions(path('status', 'conditions'), conditions));
  const cert = csr.status?.certificate;
  if (!(old && old.status?.certificate === cert)) {
    const bad = certificateProblem(cert);
    if (bad) errs.push(fieldErrors.invalid('status.certificate', '<certificate data>', bad));
  }
  if (!old) return errs;
  const find = (o: CertificateSigningRequest, type: string) => (o.status?.conditions ?? []).filter((c) => c.type === type);
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (find(csr, type).length < find(old, type).length) errs.push(fieldErrors.forbidden('status.conditions', `updates may not remove a condition of type ${JSON.stringify(type)}`));
  }
  if (via !== 'approval') {
    for (const type of ['Approved', 'Denied']) {
      const [was, now] = [find(old, type), find(csr, type)];
      if (now.length > was.length) errs.push(fieldErrors.forbidden('status.conditions', `updates may not add a condition of type ${JSON.stringify(type)}`));
      else if (now.length === was.length && !isDeepStrictEqual(was, now)) errs.push(fieldErrors.forbidden('status.conditions', `updates may not modify a condition of type ${JSON.stringify(type)}`));
    }
  }
  if ((cert ?? '') !== (old.status?.certificate ?? '')) {
    if (via !== 'status') errs.push(fieldErrors.forbidden('status.certificate', 'updates may not set certificate content'));
    else if (old.status?.certificate) errs.push(fieldErrors.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}
