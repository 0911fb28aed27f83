// `kubectl get csr`: upstream's columns (NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION).
import type { CertificateSigningRequest } from '../../api/types.js';
import { humanDuration, since } from './age.js';
import type { Printer } from './table.js';

/** Denied or Approved or Pending, then ",Failed" and ",Issued" (upstream's extractCSRStatus). */
function csrCondition(csr: CertificateSigningRequest): string {
  const has = (type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type);
  let out = has('Denied') ? 'Denied' : has('Approved') ? 'Approved' : 'Pending';
  if (has('Failed')) out += ',Failed';
  if (csr.status?.certificate) out += ',Issued';
  return out;
}

export const csrPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Age', type: 'string' },
    { name: 'SignerName', type: 'string' },
    { name: 'Requestor', type: 'string' },
    { name: 'RequestedDuration', type: 'string' },
    { name: 'Condition', type: 'string' },
  ],
  cells(obj, now) {
    const csr = obj as CertificateSigningRequest;
    const seconds = csr.spec?.expirationSeconds;
    return [csr.metadata.name!, since(csr.metadata.creationTimestamp, now), csr.spec?.signerName ?? '', csr.spec?.username ?? '', seconds ? humanDuration(seconds * 1000) : '<none>', csrCondition(csr)];
  },
};
