import { findType } from '../../api/resources.js';
import { validateLease } from '../../api/validation/lease.js';
import type { Strategy } from '../registry.js';

export const leaseStrategy: Strategy = { type: findType('coordination.k8s.io', 'v1', 'leases')!, validate: (obj) => validateLease(obj) };
