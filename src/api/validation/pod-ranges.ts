// The numeric ranges ValidatePodSpec checks outside the containers' ports and
// probes, in pkg/apis/core/validation's words: user and group IDs, scheduling
// weights, topology spread skew.
import type { Container, PodSpec } from '../types.js';
import { fieldErrors, type FieldError, type FieldPath } from './field.js';

const maxId = 2147483647;
const notPositive = 'must be greater than zero';

type Numbers = Record<string, unknown>;

/** IsValidUserID / IsValidGroupID. */
function validId(value: unknown, fld: FieldPath): FieldError[] {
  if (typeof value !== 'number' || (value >= 0 && value <= maxId)) return [];
  return [fieldErrors.invalid(fld.text, value, `must be between 0 and ${maxId}, inclusive`)];
}

/** ValidatePodSecurityContext's IDs (runAsUser, runAsGroup, fsGroup, supplementalGroups). */
function podSecurityIds(sc: Numbers | undefined, fld: FieldPath): FieldError[] {
  if (!sc) return [];
  const groups = Array.isArray(sc.supplementalGroups) ? sc.supplementalGroups : [];
  return [
    ...validId(sc.fsGroup, fld.child('fsGroup')),
    ...validId(sc.runAsUser, fld.child('runAsUser')),
    ...validId(sc.runAsGroup, fld.child('runAsGroup')),
    ...groups.flatMap((g, i) => validId(g, fld.child('supplementalGroups').index(i))),
  ];
}

/** ValidateSecurityContext of each container: runAsUser and runAsGroup. */
function containerSecurityIds(containers: Container[] | undefined, fld: FieldPath): FieldError[] {
  return (containers ?? []).flatMap((c, i) => {
    const sc = (c as { securityContext?: Numbers }).securityContext;
    const at = fld.index(i).child('securityContext');
    return sc ? [...validId(sc.runAsUser, at.child('runAsUser')), ...validId(sc.runAsGroup, at.child('runAsGroup'))] : [];
  });
}

/** Preferred terms of node, pod and anti affinity weigh 1 to 100. */
function weights(terms: unknown, fld: FieldPath): FieldError[] {
  if (!Array.isArray(terms)) return [];
  return terms.flatMap((term: Numbers, i) => {
    const weight = term?.weight ?? 0;
    return typeof weight === 'number' && (weight <= 0 || weight > 100) ? [fieldErrors.invalid(fld.index(i).child('weight').text, weight, 'must be in the range 1-100')] : [];
  });
}

function affinityWeights(affinity: Record<string, Numbers | undefined> | undefined, fld: FieldPath): FieldError[] {
  if (!affinity) return [];
  const preferred = 'preferredDuringSchedulingIgnoredDuringExecution';
  return ['nodeAffinity', 'podAffinity', 'podAntiAffinity'].flatMap((kind) => weights(affinity[kind]?.[preferred], fld.child(kind).child(preferred)));
}

/** validateTopologySpreadConstraints' numbers: maxSkew and minDomains above zero. */
function spread(constraints: unknown, fld: FieldPath): FieldError[] {
  if (!Array.isArray(constraints)) return [];
  return constraints.flatMap((c: Numbers, i) => {
    const at = fld.index(i);
    const maxSkew = c?.maxSkew ?? 0;
    const errs = typeof maxSkew === 'number' && maxSkew <= 0 ? [fieldErrors.invalid(at.child('maxSkew').text, maxSkew, notPositive)] : [];
    if (typeof c?.minDomains === 'number' && c.minDomains <= 0) errs.push(fieldErrors.invalid(at.child('minDomains').text, c.minDomains, notPositive));
    return errs;
  });
}

export function validatePodRanges(spec: PodSpec, fld: FieldPath): FieldError[] {
  return [
    ...podSecurityIds(spec.securityContext, fld.child('securityContext')),
    ...containerSecurityIds(spec.containers, fld.child('containers')),
    ...containerSecurityIds(spec.initContainers, fld.child('initContainers')),
    ...affinityWeights(spec.affinity as Record<string, Numbers | undefined> | undefined, fld.child('affinity')),
    ...spread(spec.topologySpreadConstraints, fld.child('topologySpreadConstraints')),
  ];
}
