// certificates.k8s.io/v1: CertificateSigningRequest (`kubectl certificate approve|deny` send it as protobuf).
import type { Package } from './describe.js';

export const certificates: Package = {
  name: 'certificates',
  openapiPrefix: 'io.k8s.api.certificates.v1',
  messages: {
    CertificateSigningRequest: {
      '': 'A request for an x509 certificate, approved or denied, then issued by its signer.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 CertificateSigningRequestSpec required -- The request; immutable after creation. Only request, signerName, expirationSeconds and usages can be set.',
      status: '3 CertificateSigningRequestStatus -- Approval, denial or failure, and the issued certificate.',
    },
    CertificateSigningRequestSpec: {
      '': 'The certificate request.',
      request: '1 bytes required -- A PKCS#10 request in a "CERTIFICATE REQUEST" PEM block (base64 again in JSON).',
      signerName: '7 string required -- The signer asked for, e.g. kubernetes.io/kube-apiserver-client-kubelet.',
      expirationSeconds: '8 int32? -- The requested validity; at least 600. Signers may issue a shorter one.',
      usages: '5 []string required -- Requested key usages, e.g. "digital signature", "client auth".',
      username: '2 string -- Who created the request; set by the API server.',
      uid: '3 string -- The uid of who created the request; set by the API server.',
      groups: '4 []string -- The groups of who created the request; set by the API server.',
      extra: '6 map<string,ExtraValue> -- Extra attributes of who created the request; set by the API server.',
    },
    ExtraValue: { '': 'Values of one extra attribute.', items: '1 []string -- The values.' },
    CertificateSigningRequestStatus: {
      '': 'Approval state and the issued certificate.',
      conditions: '1 []CertificateSigningRequestCondition merge:type -- Approved, Denied (through /approval) and Failed (through /status).',
      certificate: '2 bytes -- The issued certificate in PEM, set by the signer through /status; immutable once set.',
    },
    CertificateSigningRequestCondition: {
      '': 'A condition of the request.',
      type: '1 string required -- Approved, Denied or Failed.',
      status: '6 string required -- True, False or Unknown; Approved, Denied and Failed may only be True.',
      reason: '2 string -- A brief reason.',
      message: '3 string -- A human readable message.',
      lastUpdateTime: '4 meta.Time -- When the condition was last updated.',
      lastTransitionTime: '5 meta.Time -- When the condition last changed status.',
    },
  },
};
