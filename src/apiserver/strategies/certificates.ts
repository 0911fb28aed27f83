// CertificateSigningRequests as upstream's csrStrategy: the requester's identity is recorded on
// create (whatever the body said), the spec never changes, /status writes the certificate and
// conditions other than Approved/Denied, /approval writes only the conditions; condition
// timestamps are filled in by the server.
import { types } from '../../api/resources.js';
import { timestamp, type KubeObject } from '../../api/types.js';
import type { CertificateSigningRequest, CertificateSigningRequestCondition } from '../../api/types.js';
import { validateCsr, type CsrWritePath } from '../../api/validation/certificates.js';
import type { Strategy } from '../registry.js';

/** lastUpdateTime where missing; lastTransitionTime when a condition is new or changed status (populateConditionTimestamps). */
function stampConditions(csr: CertificateSigningRequest, old: CertificateSigningRequest | undefined): void {
  const now = timestamp();
  for (const c of csr.status?.conditions ?? []) {
    c.lastUpdateTime ||= now;
    const before = old?.status?.conditions?.find((o: CertificateSigningRequestCondition) => o.type === c.type);
    if (!c.lastTransitionTime) c.lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime || now : now;
  }
}

export const csrStrategy: Strategy = {
  type: types.certificatesigningrequests,
  validateName: () => [], // "We don't care what you call your certificate requests."
  updateSubresources: ['approval'],
  prepareCreate(obj: KubeObject, user) {
    const csr = obj as CertificateSigningRequest;
    csr.spec ??= {} as CertificateSigningRequest['spec'];
    for (const f of ['username', 'uid', 'groups', 'extra'] as const) delete csr.spec[f];
    if (user) {
      csr.spec.username = user.username;
      if (user.uid) csr.spec.uid = user.uid;
      csr.spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length > 0) csr.spec.extra = structuredClone(user.extra);
    }
    csr.status = {}; // no pre-approved requests
  },
  prepareUpdate(obj, old) {
    obj.spec = structuredClone(old.spec);
    obj.status = structuredClone(old.status);
  },
  prepareSubresourceUpdate(subresource, obj, old) {
    const csr = obj as CertificateSigningRequest;
    const was = old as CertificateSigningRequest;
    csr.spec = structuredClone(was.spec);
    if (subresource === 'approval') {
      csr.status = { ...structuredClone(was.status ?? {}), ...(csr.status?.conditions ? { conditions: csr.status.conditions } : {}) };
      if (!csr.status.conditions) delete csr.status.conditions;
    } else {
      // /status in v1 may change conditions other than Approved/Denied, which stay as they were.
      const kept = (was.status?.conditions ?? []).filter((c) => c.type === 'Approved' || c.type === 'Denied');
      const others = (csr.status?.conditions ?? []).filter((c) => c.type !== 'Approved' && c.type !== 'Denied');
      csr.status = { ...(csr.status ?? {}), conditions: [...kept, ...others] };
      if (csr.status.conditions!.length === 0) delete csr.status.conditions;
    }
    stampConditions(csr, was);
  },
  validate: (obj, old, subresource) => validateCsr(obj as CertificateSigningRequest, old as CertificateSigningRequest | undefined, (subresource ?? 'update') as CsrWritePath),
};
