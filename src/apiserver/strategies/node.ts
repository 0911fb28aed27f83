// Nodes: cluster-scoped, status written by the node's agent through /status.
import { findType } from '../../api/resources.js';
import type { Node } from '../../api/types.js';
import { fieldErrors, type FieldError } from '../../api/validation/field.js';
import { parseCidr } from '../../net/cidr.js';
import type { Strategy } from '../registry.js';

export const nodeStrategy: Strategy = {
  type: findType('', 'v1', 'nodes')!,
  defaults(obj) {
    const node = obj as Node;
    node.spec ??= {};
    if (node.spec.podCIDR && !node.spec.podCIDRs) node.spec.podCIDRs = [node.spec.podCIDR];
  },
  validate(obj, old): FieldError[] {
    const errs: FieldError[] = [];
    const node = obj as Node;
    const cidr = node.spec?.podCIDR;
    if (cidr !== undefined && parseCidr(cidr) === undefined) errs.push(fieldErrors.invalid('spec.podCIDR', cidr, 'must be a valid CIDR'));
    const oldCidr = (old as Node | undefined)?.spec?.podCIDR;
    if (oldCidr && cidr !== oldCidr) errs.push(fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
    return errs;
  },
};
