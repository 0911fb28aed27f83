// Upstream's CertificateApproval and CertificateSigning admission plugins: approving or denying a
// request needs the `approve` verb on its signer (certificates.k8s.io "signers", by name or
// "<domain>/*"), writing its certificate the `sign` verb; system:masters may do both. And
// CertificateSubjectRestriction: no request to kubernetes.io/kube-apiserver-client for group system:masters.
import { forbidden } from '../../api/errors.js';
import type { CertificateSigningRequest } from '../../api/types.js';
import { inspectCsrSync } from '../../net/csr.js';
import type { Authorizer, UserInfo } from '../auth/user.js';
import type { AdmissionPlugin } from './admission.js';

function refuseMastersClientRequests(csr: CertificateSigningRequest): void {
  if (csr.spec.signerName !== 'kubernetes.io/kube-apiserver-client') return;
  const parsed = inspectCsrSync(Buffer.from(csr.spec.request, 'base64').toString('latin1'));
  if (parsed.ok && parsed.info.organizations.includes('system:masters')) {
    throw forbidden('certificatesigningrequests.certificates.k8s.io', csr.metadata.name!, 'use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed');
  }
}

function mayOnSigner(authorizer: Authorizer, user: UserInfo, verb: string, signerName: string): boolean {
  const ask = (name: string) =>
    authorizer.authorize({ user, verb, resourceRequest: true, path: '', apiGroup: 'certificates.k8s.io', apiVersion: '*', resource: 'signers', name }).allowed;
  return ask(signerName) || ask(`${signerName.split('/')[0]}/*`);
}

/** Default-on as upstream: judges every write to a CertificateSigningRequest (create, /approval, /status). */
export function certificateAdmission(authorizer: Authorizer): AdmissionPlugin {
  return (a) => {
    if (a.type.group !== 'certificates.k8s.io' || !a.object) return;
    const csr = a.object as CertificateSigningRequest;
    const was = a.oldObject as CertificateSigningRequest | undefined;
    if (a.subresource === undefined && a.operation === 'CREATE') return refuseMastersClientRequests(csr);
    const signer = csr.spec.signerName;
    const refuse = (why: string) => forbidden('certificatesigningrequests.certificates.k8s.io', csr.metadata.name!, why);
    if (a.subresource === 'approval' && !mayOnSigner(authorizer, a.user, 'approve', signer)) throw refuse(`user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
    if (a.subresource === 'status' && (csr.status?.certificate ?? '') !== (was?.status?.certificate ?? '') && !mayOnSigner(authorizer, a.user, 'sign', signer)) {
      throw refuse(`user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
    }
  };
}
