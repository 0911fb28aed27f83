// Endpoints and EndpointSlice validation with the messages of ValidateEndpoints
// (pkg/apis/core/validation) and ValidateEndpointSlice (pkg/apis/discovery/validation),
// plus the address and port checks Service validation shares with them.
import { BlockList, isIPv6 } from 'node:net';
import { contains, parseCidr, parseIp, type Cidr } from '../../net/cidr.js';
import type { EndpointAddress, EndpointPort, EndpointSlice, EndpointSubset, Endpoints, SliceEndpoint } from '../types.js';
import { fieldErrors, path, type FieldError, type FieldPath } from './field.js';
import { dns1123Label, dns1123Subdomain, qualifiedName } from './names.js';

export const validateEndpointsName = dns1123Subdomain;
export const validateEndpointSliceName = dns1123Subdomain;

/** Supported values are listed sorted, as sets.List does upstream. */
const protocols = ['SCTP', 'TCP', 'UDP'];
const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const maxSliceEndpoints = 1000;
const maxSliceAddresses = 100;

export type IpFamily = 'IPv4' | 'IPv6';

/** The family of an address as Go's netutils.ParseIPSloppy reads it (IPv4 leading zeros allowed, no zones). */
export function ipFamilyOf(text: string): IpFamily | undefined {
  if (parseIp(text) !== undefined) return 'IPv4';
  return isIPv6(text) && !text.includes('%') ? 'IPv6' : undefined;
}

export function invalidEach(field: string, value: string, messages: string[]): FieldError[] {
  return messages.map((msg) => fieldErrors.invalid(field, value, msg));
}

/** validation.IsValidIP. */
export function validateIp(ip: string, field: string): FieldError[] {
  if (ipFamilyOf(ip)) return [];
  return [fieldErrors.invalid(field, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

interface SpecialRange {
  v4: Cidr;
  v6: BlockList;
  detail(ip: string): string;
}

function specialRange(v4: string, v6: string, v6Prefix: number, detail: (ip: string) => string): SpecialRange {
  const v6List = new BlockList();
  v6List.addSubnet(v6, v6Prefix, 'ipv6');
  return { v4: parseCidr(v4)!, v6: v6List, detail };
}

const specialRanges = [
  specialRange('0.0.0.0/32', '::', 128, (ip) => `may not be unspecified (${ip})`),
  specialRange('127.0.0.0/8', '::1', 128, () => 'may not be in the loopback range (127.0.0.0/8, ::1/128)'),
  specialRange('169.254.0.0/16', 'fe80::', 10, () => 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'),
  // Go's IsLinkLocalMulticast tests ff02::/16 on IPv6, whatever the message says.
  specialRange('224.0.0.0/24', 'ff02::', 16, () => 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'),
];

function inRange(ip: string, family: IpFamily, range: SpecialRange): boolean {
  return family === 'IPv4' ? contains(range.v4, parseIp(ip)!) : range.v6.check(ip, 'ipv6');
}

/** ValidateNonSpecialIP: endpoints and external IPs may not be unspecified, loopback or link-local. */
export function validateNonSpecialIp(ip: string, field: string): FieldError[] {
  const family = ipFamilyOf(ip);
  if (!family) return [fieldErrors.invalid(field, ip, 'must be a valid IP address')];
  return specialRanges.filter((r) => inRange(ip, family, r)).map((r) => fieldErrors.invalid(field, ip, r.detail(ip)));
}

/** validation.IsValidPortNum; a missing port is Go's zero value. */
export function validatePortNumber(port: unknown, field: string): FieldError[] {
  if (Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535) return [];
  return [fieldErrors.invalid(field, port ?? 0, 'must be between 1 and 65535, inclusive')];
}

export function validateProtocol(protocol: string | undefined, field: string): FieldError[] {
  if (!protocol) return [fieldErrors.required(field)];
  return protocols.includes(protocol) ? [] : [fieldErrors.notSupported(field, protocol, protocols)];
}

/** Port names are DNS-1123 labels, required once there is more than one port. */
export function validatePortName(name: string | undefined, required: boolean, field: string): FieldError[] {
  if (!name) return required ? [fieldErrors.required(field)] : [];
  return invalidEach(field, name, dns1123Label(name));
}

export function validateAppProtocol(appProtocol: string | undefined, field: string): FieldError[] {
  return appProtocol === undefined ? [] : invalidEach(field, appProtocol, qualifiedName(appProtocol));
}

function validateNodeName(nodeName: string | undefined, field: string): FieldError[] {
  return nodeName === undefined ? [] : invalidEach(field, nodeName, dns1123Subdomain(nodeName));
}

function validateHostname(hostname: string | undefined, field: string): FieldError[] {
  return hostname ? invalidEach(field, hostname, dns1123Label(hostname)) : [];
}

// ---- Endpoints ----

function validateEndpointAddress(address: EndpointAddress, p: FieldPath): FieldError[] {
  const ip = address.ip ?? '';
  return [
    ...validateIp(ip, p.child('ip').text),
    ...validateHostname(address.hostname, p.child('hostname').text),
    ...validateNodeName(address.nodeName, p.child('nodeName').text),
    ...validateNonSpecialIp(ip, p.child('ip').text),
  ];
}

function validateEndpointPort(port: EndpointPort, requireName: boolean, p: FieldPath): FieldError[] {
  return [
    ...validatePortName(port.name, requireName, p.child('name').text),
    ...validatePortNumber(port.port, p.child('port').text),
    ...validateProtocol(port.protocol, p.child('protocol').text),
    ...validateAppProtocol(port.appProtocol, p.child('appProtocol').text),
  ];
}

function validateSubset(subset: EndpointSubset, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!subset.addresses?.length && !subset.notReadyAddresses?.length) {
    errs.push(fieldErrors.required(p.text, 'must specify `addresses` or `notReadyAddresses`'));
  }
  for (const list of ['addresses', 'notReadyAddresses'] as const) {
    subset[list]?.forEach((a, i) => errs.push(...validateEndpointAddress(a, p.child(list).index(i))));
  }
  const ports = subset.ports ?? [];
  ports.forEach((port, i) => errs.push(...validateEndpointPort(port, ports.length > 1, p.child('ports').index(i))));
  return errs;
}

/** ValidateEndpoints without the metadata part, which the registry checks for every type. */
export function validateEndpoints(ep: Endpoints): FieldError[] {
  return (ep.subsets ?? []).flatMap((subset, i) => validateSubset(subset, path('subsets').index(i)));
}

// ---- EndpointSlices ----

function tooMany(field: string, actual: number, max: number): FieldError {
  return { reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` };
}

function validateAddressType(addressType: string | undefined): FieldError[] {
  if (!addressType) return [fieldErrors.required('addressType')];
  return addressTypes.includes(addressType) ? [] : [fieldErrors.notSupported('addressType', addressType, addressTypes)];
}

/** validation.IsFullyQualifiedDomainName. */
function validateFqdn(name: string, field: string): FieldError[] {
  if (!name) return [fieldErrors.required(field)];
  const trimmed = name.replace(/\.$/, '');
  const errs = dns1123Subdomain(trimmed);
  if (errs.length) return [fieldErrors.invalid(field, trimmed, errs.join(','))];
  if (trimmed.split('.').length < 2) return [fieldErrors.invalid(field, trimmed, 'should be a domain with at least two segments separated by dots')];
  return [];
}

function validateSliceAddress(address: string, addressType: string, field: string): FieldError[] {
  if (addressType === 'FQDN') return validateFqdn(address, field);
  if (addressType !== 'IPv4' && addressType !== 'IPv6') return [];
  if (ipFamilyOf(address) !== addressType) return [fieldErrors.invalid(field, address, `must be a valid ${addressType} address`)];
  return validateNonSpecialIp(address, field);
}

function validateSliceEndpoint(endpoint: SliceEndpoint, addressType: string, p: FieldPath): FieldError[] {
  const addresses = endpoint.addresses ?? [];
  const addressesPath = p.child('addresses');
  const errs: FieldError[] = [];
  if (addresses.length === 0) errs.push(fieldErrors.required(addressesPath.text, 'must contain at least 1 address'));
  else if (addresses.length > maxSliceAddresses) errs.push(tooMany(addressesPath.text, addresses.length, maxSliceAddresses));
  addresses.forEach((a, i) => errs.push(...validateSliceAddress(a, addressType, addressesPath.index(i).text)));
  errs.push(...validateNodeName(endpoint.nodeName, p.child('nodeName').text));
  if (endpoint.hostname !== undefined) errs.push(...invalidEach(p.child('hostname').text, endpoint.hostname, dns1123Label(endpoint.hostname)));
  return errs;
}

function validateSlicePorts(ports: EndpointPort[]): FieldError[] {
  const seen = new Set<string>();
  return ports.flatMap((port, i) => {
    const p = path('ports').index(i);
    const name = port.name ?? '';
    const errs = name ? invalidEach(p.child('name').text, name, dns1123Label(name)) : [];
    if (seen.has(name)) errs.push(fieldErrors.duplicate(p.child('name').text, name));
    seen.add(name);
    errs.push(...validateProtocol(port.protocol, p.child('protocol').text));
    return [...errs, ...validateAppProtocol(port.appProtocol, p.child('appProtocol').text)];
  });
}

/** ValidateEndpointSlice without the metadata part. */
export function validateEndpointSlice(slice: EndpointSlice): FieldError[] {
  const endpoints = slice.endpoints ?? [];
  const endpointErrs =
    endpoints.length > maxSliceEndpoints
      ? [tooMany('endpoints', endpoints.length, maxSliceEndpoints)]
      : endpoints.flatMap((e, i) => validateSliceEndpoint(e, slice.addressType, path('endpoints').index(i)));
  return [...validateAddressType(slice.addressType), ...endpointErrs, ...validateSlicePorts(slice.ports ?? [])];
}
