// hosts.svclab.io/v1 Host validation, worded as the API server words a CRD's schema
// (format, minimum, enum) and its x-kubernetes-validations rules (immutability).
import { hostRuntimes, type Host } from '../hosts.js';
import { parseCidr, parseIp } from '../../net/cidr.js';
import { fieldErrors, path, type FieldError } from './field.js';

const spec = path('spec');

export function validateHost(host: Host, old: Host | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const s = host.spec as Partial<Host['spec']> | undefined;
  if (!s) return [fieldErrors.required(spec.text)];
  const address = spec.child('address');
  if (s.address === undefined || s.address === '') errs.push(fieldErrors.required(address.text));
  else if (typeof s.address !== 'string' || parseIp(s.address) === undefined) errs.push(fieldErrors.invalid(address.text, s.address, `${address.text} in body must be of type ipv4: ${JSON.stringify(s.address)}`));
  const nodes = spec.child('nodes');
  if (s.nodes === undefined) errs.push(fieldErrors.required(nodes.text));
  else if (!Number.isInteger(s.nodes)) errs.push(fieldErrors.invalid(nodes.text, s.nodes, `${nodes.text} in body must be of type integer: "number"`));
  else if (s.nodes < 1) errs.push(fieldErrors.invalid(nodes.text, s.nodes, `${nodes.text} in body should be greater than or equal to 1`));
  if (s.runtime !== undefined && !(hostRuntimes as readonly string[]).includes(s.runtime)) errs.push(fieldErrors.notSupported(spec.child('runtime').text, s.runtime, [...hostRuntimes]));
  if (old) {
    if (old.spec.address !== s.address) errs.push(fieldErrors.invalid(address.text, s.address, 'Value is immutable'));
    if (old.spec.nodes !== s.nodes) errs.push(fieldErrors.invalid(nodes.text, s.nodes, 'Value is immutable'));
  }
  (host.status?.nodes ?? []).forEach((n, i) => {
    const p = path('status', 'nodes').index(i);
    if (!n.name) errs.push(fieldErrors.required(p.child('name').text));
    if (!n.ip || parseIp(n.ip) === undefined) errs.push(fieldErrors.invalid(p.child('ip').text, n.ip ?? '', `${p.child('ip').text} in body must be of type ipv4: ${JSON.stringify(n.ip ?? '')}`));
    if (!n.podCIDR || parseCidr(n.podCIDR) === undefined) errs.push(fieldErrors.invalid(p.child('podCIDR').text, n.podCIDR ?? '', `${p.child('podCIDR').text} in body must be of type cidr: ${JSON.stringify(n.podCIDR ?? '')}`));
  });
  return errs;
}
