// Lease validation (pkg/apis/coordination/validation.ValidateLeaseSpec's numbers).
import type { KubeObject } from '../types.js';
import { fieldErrors, type FieldError } from './field.js';

export function validateLease(lease: KubeObject): FieldError[] {
  const spec = (lease.spec ?? {}) as { leaseDurationSeconds?: number | null; leaseTransitions?: number | null };
  const errs: FieldError[] = [];
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (spec.leaseTransitions != null && spec.leaseTransitions < 0) {
    errs.push(fieldErrors.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}
