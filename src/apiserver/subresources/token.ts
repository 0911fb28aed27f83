// POST serviceaccounts/<name>/token: upstream's TokenRequest. Issues a bound ServiceAccount
// JWT (`kubectl create token`, and the kubelet for every pod's projected token).
import { badRequest, conflict, invalid, notFound } from '../../api/errors.js';
import { timestamp, type KubeObject, type Pod } from '../../api/types.js';
import { fieldErrors, type FieldError } from '../../api/validation/field.js';
import { readBody, sendJson } from '../http.js';
import type { Registry } from '../registry.js';
import type { SubresourceHandler } from '../server.js';
import type { BoundPod, TokenIssuer } from '../auth/serviceaccount.js';

interface TokenRequest {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } };
}

const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

export function tokenRequestHandler(registry: Registry, issuer: TokenIssuer): SubresourceHandler {
  return async (r, req, res, _query, admit) => {
    if (req.method !== 'POST') throw badRequest('token only supports POST');
    const body = ((await readBody(req)) ?? {}) as TokenRequest;
    if (body.kind && body.kind !== 'TokenRequest') throw badRequest(`expected TokenRequest, got ${body.kind}`);
    admit({ operation: 'CREATE', object: body as unknown as KubeObject });
    const spec = body.spec ?? {};
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    const errs: FieldError[] = [];
    if (expirationSeconds < minExpirationSeconds) errs.push(fieldErrors.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes'));
    if (expirationSeconds > maxExpirationSeconds) errs.push(fieldErrors.invalid('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
    if (errs.length > 0) throw invalid('TokenRequest', '', errs, 'authentication.k8s.io');
    const sa = registry.get(r.type, r.namespace, r.name); // 404 serviceaccounts "x" not found
    let pod: BoundPod | undefined;
    let node: BoundPod | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      if (ref.kind !== 'Pod') throw badRequest(`cannot bind token for object of kind "${ref.kind ?? ''}": only Pod is supported in this lab`);
      const obj = registry.store.get('core/pods', `${r.namespace}/${ref.name}`) as KubeObject | undefined;
      if (!obj) throw notFound('pods', ref.name ?? '');
      if (ref.uid && ref.uid !== obj.metadata.uid) {
        throw conflict('pods', ref.name!, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      pod = { name: obj.metadata.name!, uid: obj.metadata.uid! };
      const nodeName = (obj as Pod).spec?.nodeName;
      const n = nodeName ? registry.store.get('core/nodes', nodeName) : undefined;
      if (n) node = { name: nodeName!, uid: n.metadata.uid! };
    }
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : issuer.audiences;
    const { token, expiresAt } = await issuer.issue({ namespace: r.namespace!, serviceAccount: { name: sa.metadata.name!, uid: sa.metadata.uid! }, pod, node, audiences, expirationSeconds });
    sendJson(res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: sa.metadata.name, namespace: r.namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
      status: { token, expirationTimestamp: timestamp(new Date(expiresAt * 1000)) },
    });
  };
}
