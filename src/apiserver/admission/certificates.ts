// Upstream's CertificateApproval and CertificateSigning admission plugins: approving or denying a
// request needs the `approve` verb on its signer (certificates.k8s.io "signers", by name or
// "<domain>/*"), writing its certificate the `sign` verb; system:masters may do both. And
// CertificateSubjectRestriction: no request to kubernetes.io/kube-apiserver-client for group system:masters.
import { forbidden } from '../../api/errors.js';
import type { CertificateSigningRequest, KubeObject } from '../../api/types.js';
import { inspectCsrSync } from '../../net/csr.js';
import type { Authorizer, UserInfo } from '../auth/user.js';

function refuseMastersClientRequests(obj: KubeObject, old?: KubeObject): void {
  const csr = obj as CertificateSigningRequest;
  if (old || csr.spec.signerName !== 'kubernetes.io/kube-apiserver-client') return;
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

export function csrAdmission(subresource: string | undefined, user: UserInfo, authorizer: Authorizer): ((obj: KubeObject, old?: KubeObject) => void) | undefined {
  if (subresource === undefined) return refuseMastersClientRequests;
  if (subresource !== 'approval' && subresource !== 'status') return undefined;
  return (obj, old) => {
    const csr = obj as CertificateSigningRequest;
    const was = old as CertificateSigningRequest | undefined;
    const signer = csr.spec.signerName;
    const refuse = (why: string) => forbidden('certificatesigningrequests.certificates.k8s.io', csr.metadata.name!, why);
    if (subresource === 'approval' && !mayOnSigner(authorizer, user, 'approve', signer)) throw refuse(`user not permitted to approve requests with signerName ${JSON.stringify(signer)}`);
    if (subresource === 'status' && (csr.status?.certificate ?? '') !== (was?.status?.certificate ?? '') && !mayOnSigner(authorizer, user, 'sign', signer)) {
      throw refuse(`user not permitted to sign requests with signerName ${JSON.stringify(signer)}`);
    }
  };
}
