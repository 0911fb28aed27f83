// Deployment and ReplicaSet validation with the wording of pkg/apis/apps/validation,
// plus the apps/v1 registry strategies' rule that a selector never changes.
import { matches, selectorFromObject } from '../labels.js';
import type { Deployment, IntOrString, LabelSelectorObject, PodTemplateSpec, ReplicaSet } from '../types.js';
import { fieldErrors, path, type FieldError, type FieldPath, goStringMap } from './field.js';
import { validateLabels, type NameValidator } from './meta.js';
import { dns1123Subdomain, labelValue, qualifiedName } from './names.js';
import { invalidAll, nonNegative, regexError, semanticEqual, validatePodSpec } from './pod.js';

export const validateDeploymentName: NameValidator = dns1123Subdomain;
export const validateReplicaSetName: NameValidator = dns1123Subdomain;

type Requirement = NonNullable<LabelSelectorObject['matchExpressions']>[number];
type Strategy = NonNullable<Deployment['spec']['strategy']>;
type RollingUpdate = NonNullable<Strategy['rollingUpdate']>;

// ---- selector and template ----

function validateRequirement(r: Requirement, fld: FieldPath): FieldError[] {
  const values = r.values ?? [];
  const errs: FieldError[] = [];
  if (r.operator === 'In' || r.operator === 'NotIn') {
    if (!values.length) errs.push(fieldErrors.required(fld.child('values').text, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (r.operator === 'Exists' || r.operator === 'DoesNotExist') {
    if (values.length) errs.push(fieldErrors.forbidden(fld.child('values').text, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else {
    errs.push(fieldErrors.invalid(fld.child('operator').text, r.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...invalidAll(fld.child('key'), r.key ?? '', qualifiedName(r.key ?? '')));
  return [...errs, ...values.flatMap((v, i) => invalidAll(fld.child('values').index(i), v, labelValue(v)))];
}

/** ValidateLabelSelector (strict label values, as apps/v1 workloads use it). */
function validateLabelSelector(selector: LabelSelectorObject, fld: FieldPath): FieldError[] {
  const expressions = (selector.matchExpressions ?? []).flatMap((r, i) => validateRequirement(r, fld.child('matchExpressions').index(i)));
  return [...validateLabels(selector.matchLabels, fld.child('matchLabels').text), ...expressions];
}

/** A missing selector selects nothing; an empty one selects everything, so nothing to match. */
function selectorMisses(selector: LabelSelectorObject | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  const reqs = selectorFromObject(selector);
  return reqs.length > 0 && !matches(reqs, labels);
}

/** ValidatePodTemplateSpecForReplicaSet, shared by Deployments and ReplicaSets. */
function validateTemplate(template: PodTemplateSpec | undefined, selector: LabelSelectorObject | undefined, fld: FieldPath): FieldError[] {
  const spec = template?.spec ?? { containers: [] };
  const labels = template?.metadata?.labels;
  const errs = selectorMisses(selector, labels) ? [fieldErrors.invalid(fld.child('metadata').child('labels').text, goStringMap(labels), '`selector` does not match template `labels`')] : [];
  // ValidatePodTemplateSpec reports label syntax at <template>.labels, without "metadata".
  errs.push(...validateLabels(labels, fld.child('labels').text), ...validatePodSpec(spec, fld.child('spec')));
  if (spec.restartPolicy !== 'Always') errs.push(fieldErrors.notSupported(fld.child('spec').child('restartPolicy').text, spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds != null) {
    errs.push(fieldErrors.forbidden(fld.child('spec').child('activeDeadlineSeconds').text, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

function isEmptySelector(selector: LabelSelectorObject): boolean {
  return Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0;
}

/** The selector checks of ValidateDeploymentSpec / ValidateReplicaSetSpec, then the template. */
function validateSelectorAndTemplate(selector: LabelSelectorObject | undefined, template: PodTemplateSpec | undefined, fld: FieldPath): FieldError[] {
  const selPath = fld.child('selector');
  if (!selector) return [fieldErrors.required(selPath.text), ...validateTemplate(template, selector, fld.child('template'))];
  const errs = validateLabelSelector(selector, selPath);
  // The same message for ReplicaSets: upstream shares it.
  const empty = isEmptySelector(selector) ? [fieldErrors.invalid(selPath.text, selector, 'empty selector is invalid for deployment')] : [];
  // A selector that fails validation cannot be turned into labels.Selector either.
  if (errs.length) return [...errs, ...empty, fieldErrors.invalid(selPath.text, selector, 'invalid label selector')];
  return [...empty, ...validateTemplate(template, selector, fld.child('template'))];
}

/** The apps/v1 strategies: selectors are immutable. */
function selectorImmutable(next: LabelSelectorObject | undefined, old: LabelSelectorObject | undefined): FieldError[] {
  return semanticEqual(next, old) ? [] : [fieldErrors.invalid('spec.selector', next, 'field is immutable')];
}

// ---- rolling update ----

/** intstr.IntOrString prints through its String() method: unquoted. */
function invalidIntOrString(fld: FieldPath, value: IntOrString, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field: fld.text, message: `Invalid value: ${String(value)}: ${detail}` };
}

const percentFmt = '[0-9]+%';
const percentRe = new RegExp(`^${percentFmt}$`);

/** ValidatePositiveIntOrPercent. */
function validateIntOrPercent(value: IntOrString, fld: FieldPath): FieldError[] {
  if (typeof value === 'number') return nonNegative(value, fld);
  if (percentRe.test(value)) return [];
  return [invalidIntOrString(fld, value, regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%'))];
}

/** getIntOrPercentValue: a non-percent string counts as strconv.Atoi would read it (0 when not a number). */
function intOrPercentValue(value: IntOrString): number {
  if (typeof value === 'number') return value;
  if (percentRe.test(value)) return parseInt(value, 10);
  return /^[+-]?\d+$/.test(value) ? Number(value) : 0;
}

function validateRollingUpdate(ru: RollingUpdate, fld: FieldPath): FieldError[] {
  const maxUnavailable = ru.maxUnavailable ?? 0;
  const maxSurge = ru.maxSurge ?? 0;
  const unavailablePath = fld.child('maxUnavailable');
  const errs = [...validateIntOrPercent(maxUnavailable, unavailablePath), ...validateIntOrPercent(maxSurge, fld.child('maxSurge'))];
  if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
    errs.push(invalidIntOrString(unavailablePath, maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  if (typeof maxUnavailable === 'string' && percentRe.test(maxUnavailable) && parseInt(maxUnavailable, 10) > 100) {
    errs.push(invalidIntOrString(unavailablePath, maxUnavailable, 'must not be greater than 100%'));
  }
  return errs;
}

function validateStrategy(strategy: Strategy, fld: FieldPath): FieldError[] {
  switch (strategy.type) {
    case 'Recreate':
      return strategy.rollingUpdate != null ? [fieldErrors.forbidden(fld.child('rollingUpdate').text, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate':
      if (strategy.rollingUpdate == null) return [fieldErrors.required(fld.child('rollingUpdate').text, 'this should be defaulted and never be nil')];
      return validateRollingUpdate(strategy.rollingUpdate, fld.child('rollingUpdate'));
    default:
      return [fieldErrors.notSupported(fld.text, strategy, ['Recreate', 'RollingUpdate'])];
  }
}

function validateProgressDeadline(spec: Partial<Deployment['spec']>, fld: FieldPath): FieldError[] {
  const deadline = spec.progressDeadlineSeconds;
  if (deadline == null) return [];
  const errs = nonNegative(deadline, fld);
  if (deadline <= (spec.minReadySeconds ?? 0)) errs.push(fieldErrors.invalid(fld.text, deadline, 'must be greater than minReadySeconds'));
  return errs;
}

// ---- the two kinds ----

/** ValidateDeploymentSpec (+ selector immutability on update), metadata left to the registry. */
export function validateDeployment(d: Deployment, old: Deployment | undefined): FieldError[] {
  const spec: Partial<Deployment['spec']> = d.spec ?? {};
  const fld = path('spec');
  return [
    ...nonNegative(spec.replicas ?? 0, fld.child('replicas')),
    ...validateSelectorAndTemplate(spec.selector, spec.template, fld),
    ...validateStrategy(spec.strategy ?? {}, fld.child('strategy')),
    ...nonNegative(spec.minReadySeconds ?? 0, fld.child('minReadySeconds')),
    ...nonNegative(spec.revisionHistoryLimit, fld.child('revisionHistoryLimit')),
    ...validateProgressDeadline(spec, fld.child('progressDeadlineSeconds')),
    ...(old ? selectorImmutable(spec.selector, old.spec?.selector) : []),
  ];
}

/** ValidateReplicaSetSpec (+ selector immutability on update), metadata left to the registry. */
export function validateReplicaSet(rs: ReplicaSet, old: ReplicaSet | undefined): FieldError[] {
  const spec: Partial<ReplicaSet['spec']> = rs.spec ?? {};
  const fld = path('spec');
  return [
    ...nonNegative(spec.replicas ?? 0, fld.child('replicas')),
    ...nonNegative(spec.minReadySeconds ?? 0, fld.child('minReadySeconds')),
    ...validateSelectorAndTemplate(spec.selector, spec.template, fld),
    ...(old ? selectorImmutable(spec.selector, old.spec?.selector) : []),
  ];
}
