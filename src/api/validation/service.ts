// Service validation with the messages of ValidateService / ValidateServiceUpdate
// (pkg/apis/core/validation), plus the checks the upstream REST storage makes against the
// cluster's configuration before allocating: IP families, the service CIDR and the nodePort
// range. Whether an IP or port is already taken is the allocator's business; its messages
// are built here so the wording lives in one place.
import { contains, formatCidr, parseCidr, parseIp, type Cidr } from '../../net/cidr.js';
import type { IntOrString, ServicePort, ServiceSpec, Service } from '../types.js';
import { fieldErrors, path, type FieldError, type FieldPath } from './field.js';
import { validateLabels } from './meta.js';
import { dns1035Label, dns1123Subdomain, ianaServiceName, qualifiedName } from './names.js';
import {
  invalidEach,
  ipFamilyOf,
  validateAppProtocol,
  validateIp,
  validateNonSpecialIp,
  validatePortName,
  validatePortNumber,
  validateProtocol,
} from './endpoints.js';

export interface ServiceValidationOptions {
  serviceCIDR: string;
  nodePortRange: { min: number; max: number };
}

export const validateServiceName = dns1035Label;

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const proxiedTypes = ['ClusterIP', 'NodePort', 'LoadBalancer'];
const affinities = ['ClientIP', 'None'];
const trafficPolicies = ['Cluster', 'Local'];
const supportedFamilies = ['IPv4', 'IPv6'];
const familyPolicies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const maxAffinityTimeoutSeconds = 86400;
const onlyForLoadBalancer = "may only be used when `type` is 'LoadBalancer'";

// ---- Go renderings of values formatValue cannot produce (%#v of slices and structs) ----

function goStrings(values: string[] | undefined): string {
  return values === undefined ? '[]string(nil)' : `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** The (protocol, port) key upstream reports a duplicate port with. */
function goServicePortKey(protocol: string | undefined, port: number): string {
  const intstr = 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}';
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol ?? '')}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:${intstr}, NodePort:0}`;
}

function goInvalid(field: string, goValue: string, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue}: ${detail}` };
}

function goDuplicate(field: string, goValue: string): FieldError {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${goValue}` };
}

// ---- allocator messages ----

/** A requested cluster IP the IP allocator refused; field is spec.clusterIPs and, single-stack, the value is [ip]. */
function clusterIPRefused(field: string, ip: string, reason: string): FieldError {
  return goInvalid(field, goStrings([ip]), `failed to allocate IP ${ip}: ${reason}`);
}

export function ipAllocatedError(field: string, ip: string): FieldError {
  return clusterIPRefused(field, ip, 'provided IP is already allocated');
}

function ipNotInRangeError(field: string, ip: string, cidr: string): FieldError {
  return clusterIPRefused(field, ip, `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr}`);
}

export function portAllocatedError(field: string, port: number): FieldError {
  return fieldErrors.invalid(field, port, 'provided port is already allocated');
}

function portNotInRangeError(field: string, port: number, range: ServiceValidationOptions['nodePortRange']): FieldError {
  return fieldErrors.invalid(field, port, `provided port is not in the valid range. The range of valid ports is ${range.min}-${range.max}`);
}

// ---- helpers on the spec ----

function isHeadless(spec: ServiceSpec): boolean {
  return spec.clusterIPs?.length === 1 && spec.clusterIPs[0] === 'None';
}

/** Headless without a selector: endpoints are hand-made, and both IP families may be asked for. */
export function isHeadlessSelectorless(spec: ServiceSpec): boolean {
  return spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
}

/** apiservice.ExternallyAccessible: the services that carry an externalTrafficPolicy. */
export function externallyAccessible(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && (spec.externalIPs?.length ?? 0) > 0);
}

function needsHealthCheck(spec: ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function needsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

// ---- ValidateService, in upstream order ----

function validateExternalName(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const notForExternalName = 'may not be set for ExternalName services';
  if (spec.clusterIPs?.length) errs.push(fieldErrors.forbidden('spec.clusterIPs', notForExternalName));
  if (spec.ipFamilies?.length) errs.push(fieldErrors.forbidden('spec.ipFamilies', notForExternalName));
  if (spec.ipFamilyPolicy != null) errs.push(fieldErrors.forbidden('spec.ipFamilyPolicy', notForExternalName));
  // A trailing dot marks the CNAME target as fully qualified.
  const cname = (spec.externalName ?? '').replace(/\.$/, '');
  if (!cname) return [...errs, fieldErrors.required('spec.externalName')];
  return [...errs, ...invalidEach('spec.externalName', cname, dns1123Subdomain(cname))];
}

function validateTypeSpecifics(spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName') return validateExternalName(spec);
  if (needsNodePorts(spec) && isHeadless(spec)) {
    return [fieldErrors.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`)];
  }
  return [];
}

/** ValidatePortNumOrName; an unset targetPort is Go's zero IntOrString, the number 0. */
function validateTargetPort(target: IntOrString | undefined, field: string): FieldError[] {
  if (typeof target === 'string') return invalidEach(field, target, ianaServiceName(target));
  return validatePortNumber(target ?? 0, field);
}

function validateServicePort(port: ServicePort, requireName: boolean, names: Set<string>, p: FieldPath): FieldError[] {
  const errs = validatePortName(port.name, requireName, p.child('name').text);
  if (port.name) {
    if (names.has(port.name)) errs.push(fieldErrors.duplicate(p.child('name').text, port.name));
    names.add(port.name);
  }
  return [
    ...errs,
    ...validatePortNumber(port.port, p.child('port').text),
    ...validateProtocol(port.protocol, p.child('protocol').text),
    ...validateTargetPort(port.targetPort, p.child('targetPort').text),
    ...validateAppProtocol(port.appProtocol, p.child('appProtocol').text),
  ];
}

function validateServicePorts(spec: ServiceSpec): FieldError[] {
  const ports = spec.ports ?? [];
  const names = new Set<string>();
  return ports.flatMap((port, i) => validateServicePort(port, ports.length > 1, names, path('spec', 'ports').index(i)));
}

function validateClientIPConfig(config: ServiceSpec['sessionAffinityConfig']): FieldError[] {
  const p = path('spec', 'sessionAffinityConfig');
  const detail = 'when session affinity type is ClientIP';
  if (config == null) return [fieldErrors.required(p.text, detail)];
  if (config.clientIP == null) return [fieldErrors.required(p.child('clientIP').text, detail)];
  const timeout = config.clientIP.timeoutSeconds;
  const field = p.child('clientIP').child('timeoutSeconds').text;
  if (timeout == null) return [fieldErrors.required(field, detail)];
  if (timeout > 0 && timeout <= maxAffinityTimeoutSeconds) return [];
  return [fieldErrors.invalid(field, timeout, `must be greater than 0 and less than ${maxAffinityTimeoutSeconds}`)];
}

function validateAffinity(spec: ServiceSpec): FieldError[] {
  const affinity = spec.sessionAffinity;
  if (!affinity) return [fieldErrors.required('spec.sessionAffinity')];
  if (!affinities.includes(affinity)) return [fieldErrors.notSupported('spec.sessionAffinity', affinity, affinities)];
  if (affinity === 'ClientIP') return validateClientIPConfig(spec.sessionAffinityConfig);
  if (spec.sessionAffinityConfig == null) return [];
  return [fieldErrors.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None')];
}

/** clusterIP and clusterIPs[0] must agree (the defaults keep them in sync). */
function validateClusterIPSync(spec: ServiceSpec): FieldError[] {
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (ips.length === 0) return [fieldErrors.required('spec.clusterIPs')];
    return ips[0] === spec.clusterIP ? [] : [goInvalid('spec.clusterIPs', goStrings(ips), 'first value must match `clusterIP`')];
  }
  return ips.length ? [goInvalid('spec.clusterIPs', goStrings(ips), 'must be empty when `clusterIP` is not specified')] : [];
}

function validateIpFamilyFields(spec: ServiceSpec): FieldError[] {
  const seen = new Set<string>();
  const errs = (spec.ipFamilies ?? []).flatMap((family, i) => {
    const field = `spec.ipFamilies[${i}]`;
    const familyErrs = supportedFamilies.includes(family) ? [] : [fieldErrors.notSupported(field, family, supportedFamilies)];
    if (seen.has(family)) familyErrs.push(fieldErrors.duplicate(field, family));
    seen.add(family);
    return familyErrs;
  });
  const policy = spec.ipFamilyPolicy;
  if (policy != null && !familyPolicies.includes(policy)) errs.push(fieldErrors.notSupported('spec.ipFamilyPolicy', policy, familyPolicies));
  return errs;
}

/** Each clusterIP is an IP, except a lone "None". */
function validateClusterIPValues(ips: string[]): FieldError[] {
  return ips.flatMap((ip, i) => {
    if (i > 0 || ip !== 'None') return validateIp(ip, `spec.clusterIPs[${i}]`);
    return ips.length > 1 ? [goInvalid('spec.clusterIPs', goStrings(ips), "'None' must be the first and only value")] : [];
  });
}

/** With valid clusterIPs: at most one IP per family, each of the family ipFamilies names at its index. */
function validateClusterIPFamilies(spec: ServiceSpec, ips: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (ips.length > 1 && new Set(ips.map(ipFamilyOf)).size < 2) {
    errs.push(goInvalid('spec.clusterIPs', goStrings(ips), 'may specify no more than one IP for each IP family'));
  }
  if (isHeadless(spec)) return errs;
  const families = spec.ipFamilies ?? [];
  ips.slice(0, families.length).forEach((ip, i) => {
    const expected = families[i];
    if ((expected === 'IPv4' || expected === 'IPv6') && ipFamilyOf(ip) !== expected) {
      errs.push(fieldErrors.invalid(`spec.clusterIPs[${i}]`, ip, `expected an ${expected} value as indicated by \`ipFamilies[${i}]\``));
    }
  });
  return errs;
}

/** ValidateServiceClusterIPsRelatedFields. */
function validateClusterIPs(spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const ips = spec.clusterIPs ?? [];
  const valueErrs = validateClusterIPValues(ips);
  const errs = [...validateClusterIPSync(spec), ...validateIpFamilyFields(spec), ...valueErrs];
  if (ips.length > 2) errs.push(goInvalid('spec.clusterIPs', goStrings(ips), 'may only hold up to 2 values'));
  // Bad IPs would only skew the family checks.
  return valueErrs.length ? errs : [...errs, ...validateClusterIPFamilies(spec, ips)];
}

function validateExternalIPs(spec: ServiceSpec): FieldError[] {
  return (spec.externalIPs ?? []).flatMap((ip, i) => {
    const errs = validateIp(ip, `spec.externalIPs[${i}]`);
    return errs.length ? errs : validateNonSpecialIp(ip, `spec.externalIPs[${i}]`);
  });
}

function validateType(spec: ServiceSpec): FieldError[] {
  if (!spec.type) return [fieldErrors.required('spec.type')];
  return serviceTypes.includes(spec.type) ? [] : [fieldErrors.notSupported('spec.type', spec.type, serviceTypes)];
}

/** Indexes of the items whose key an earlier item already had; undefined keys are skipped. */
function repeats(keys: (string | undefined)[]): number[] {
  const seen = new Set<string>();
  return keys.flatMap((key, i) => {
    if (key === undefined) return [];
    const repeated = seen.has(key);
    seen.add(key);
    return repeated ? [i] : [];
  });
}

function validateNodePortFields(spec: ServiceSpec): FieldError[] {
  const ports = spec.ports ?? [];
  const withNodePort = ports.flatMap((port, i) => (port.nodePort ? [i] : []));
  const forbidden = spec.type === 'ClusterIP' ? withNodePort.map((i) => fieldErrors.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'")) : [];
  const keys = ports.map((port) => (port.nodePort ? `${port.protocol}/${port.nodePort}` : undefined));
  return [...forbidden, ...repeats(keys).map((i) => fieldErrors.duplicate(`spec.ports[${i}].nodePort`, ports[i].nodePort))];
}

/** The same port number may appear once per protocol. */
function validateDuplicatePorts(spec: ServiceSpec): FieldError[] {
  const ports = spec.ports ?? [];
  const keys = ports.map((port) => `${port.protocol}/${port.port}`);
  return repeats(keys).map((i) => goDuplicate(`spec.ports[${i}]`, goServicePortKey(ports[i].protocol, ports[i].port)));
}

/** validation.IsValidCIDR. */
function isCidr(value: string): boolean {
  if (parseCidr(value)) return true;
  const [address, prefix, ...rest] = value.split('/');
  return rest.length === 0 && ipFamilyOf(address ?? '') === 'IPv6' && /^\d{1,3}$/.test(prefix ?? '') && Number(prefix) <= 128;
}

function validateSourceRanges(spec: ServiceSpec): FieldError[] {
  const ranges = spec.loadBalancerSourceRanges ?? [];
  if (ranges.length === 0) return [];
  const field = 'spec.LoadBalancerSourceRanges'; // sic: upstream capitalises this path
  const errs = spec.type === 'LoadBalancer' ? [] : [fieldErrors.forbidden(field, onlyForLoadBalancer)];
  ranges.forEach((range, i) => {
    // Space padding is tolerated, a leftover of the annotation this field replaced.
    const value = range.trim();
    if (!isCidr(value)) errs.push(fieldErrors.invalid(`${field}[${i}]`, value, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  return errs;
}

function validateLoadBalancerFields(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const isLoadBalancer = spec.type === 'LoadBalancer';
  if (spec.allocateLoadBalancerNodePorts != null && !isLoadBalancer) {
    errs.push(fieldErrors.forbidden('spec.allocateLoadBalancerNodePorts', onlyForLoadBalancer));
  }
  // sic: upstream reports this one without the "spec." prefix.
  if (isLoadBalancer && spec.allocateLoadBalancerNodePorts == null) errs.push(fieldErrors.required('allocateLoadBalancerNodePorts'));
  const lbClass = spec.loadBalancerClass;
  if (lbClass == null) return errs;
  if (!isLoadBalancer) return [...errs, fieldErrors.forbidden('spec.loadBalancerClass', onlyForLoadBalancer)];
  return [...errs, ...invalidEach('spec.loadBalancerClass', lbClass, qualifiedName(lbClass))];
}

function validateExternalTrafficPolicy(spec: ServiceSpec): FieldError[] {
  const field = 'spec.externalTrafficPolicy';
  const policy = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) return policy ? [fieldErrors.invalid(field, policy, 'may only be set for externally-accessible services')] : [];
  if (!policy) return [fieldErrors.required(field)];
  return trafficPolicies.includes(policy) ? [] : [fieldErrors.notSupported(field, policy, trafficPolicies)];
}

/** Upstream also requires the port when needed; here it is allocated after validation, so only a given one is checked. */
function validateHealthCheckNodePort(spec: ServiceSpec): FieldError[] {
  const field = 'spec.healthCheckNodePort';
  const port = spec.healthCheckNodePort;
  if (!port) return [];
  if (needsHealthCheck(spec)) return validatePortNumber(port, field);
  return [fieldErrors.invalid(field, port, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")];
}

function validateInternalTrafficPolicy(spec: ServiceSpec): FieldError[] {
  const field = 'spec.internalTrafficPolicy';
  const policy = spec.internalTrafficPolicy;
  if (policy == null) return proxiedTypes.includes(spec.type ?? '') ? [fieldErrors.required(field)] : [];
  return trafficPolicies.includes(policy) ? [] : [fieldErrors.notSupported(field, policy, trafficPolicies)];
}

function validateSpec(spec: ServiceSpec): FieldError[] {
  const portsRequired = !spec.ports?.length && !isHeadless(spec) && spec.type !== 'ExternalName';
  return [
    ...(portsRequired ? [fieldErrors.required('spec.ports')] : []),
    ...validateTypeSpecifics(spec),
    ...validateServicePorts(spec),
    ...(spec.selector != null ? validateLabels(spec.selector, 'spec.selector') : []),
    ...validateAffinity(spec),
    ...validateClusterIPs(spec),
    ...validateExternalIPs(spec),
    ...validateType(spec),
    ...validateNodePortFields(spec),
    ...validateDuplicatePorts(spec),
    ...validateSourceRanges(spec),
    ...validateLoadBalancerFields(spec),
    ...validateExternalTrafficPolicy(spec),
    ...validateHealthCheckNodePort(spec),
    ...validateInternalTrafficPolicy(spec),
  ];
}

// ---- ValidateServiceUpdate ----

/** validateUpgradeDowngradeClusterIPs, for a single-stack cluster (no secondary IP to release). */
function validateClusterIPsUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || old.type === 'ExternalName' || (isHeadless(spec) && isHeadless(old))) return [];
  const ips = spec.clusterIPs ?? [];
  const oldIps = old.clusterIPs ?? [];
  const changed = (i: number) => goInvalid(`spec.clusterIPs[${i}]`, goStrings(spec.clusterIPs), 'may not change once set');
  if (ips.length === oldIps.length) return oldIps.flatMap((ip, i) => (ip === ips[i] ? [] : [changed(i)]));
  if (ips.length === 0) return [goInvalid('spec.clusterIPs[0]', goStrings(spec.clusterIPs), 'primary clusterIP can not be unset')];
  return oldIps.length && ips[0] !== oldIps[0] ? [changed(0)] : [];
}

function validateLoadBalancerClassUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  const bothLoadBalancers = spec.type === 'LoadBalancer' && old.type === 'LoadBalancer';
  if (!bothLoadBalancers || (spec.loadBalancerClass ?? null) === (old.loadBalancerClass ?? null)) return [];
  return [fieldErrors.invalid('spec.loadBalancerClass', spec.loadBalancerClass ?? null, 'may not change once set')];
}

function validateHealthCheckNodePortUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  const changed = (spec.healthCheckNodePort ?? 0) !== (old.healthCheckNodePort ?? 0);
  return changed && needsHealthCheck(spec) && needsHealthCheck(old) ? [fieldErrors.forbidden('spec.healthCheckNodePort', 'field is immutable')] : [];
}

function validateUpdate(spec: ServiceSpec, old: ServiceSpec): FieldError[] {
  return [...validateClusterIPsUpdate(spec, old), ...validateLoadBalancerClassUpdate(spec, old), ...validateHealthCheckNodePortUpdate(spec, old)];
}

// ---- what the REST storage checks against the cluster's configuration before allocating ----

/** initIPFamilyFields on a single-stack IPv4 cluster; headless services without a selector may name both families. */
function validateFamiliesConfigured(spec: ServiceSpec): FieldError[] {
  if (spec.type === 'ExternalName' || isHeadlessSelectorless(spec)) return [];
  const families = spec.ipFamilies ?? [];
  const unconfigured = 'IPv6 is not configured on this cluster';
  const errs = (spec.clusterIPs ?? []).flatMap((ip, i) =>
    i >= families.length && ipFamilyOf(ip) === 'IPv6' ? [goInvalid(`spec.clusterIPs[${i}]`, goStrings(spec.clusterIPs), unconfigured)] : [],
  );
  if (spec.ipFamilyPolicy === 'RequireDualStack') {
    errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', spec.ipFamilyPolicy, 'this cluster is not configured for dual-stack services'));
  }
  families.forEach((family, i) => {
    if (family !== 'IPv4') errs.push(fieldErrors.invalid(`spec.ipFamilies[${i}]`, family, 'not configured on this cluster'));
  });
  return errs;
}

/** The allocator hands out neither the network nor the broadcast address of the range. */
function allocatable(cidr: Cidr, ip: number): boolean {
  const broadcast = (cidr.base + 2 ** (32 - cidr.prefix) - 1) >>> 0;
  return contains(cidr, ip) && ip !== cidr.base && ip !== broadcast;
}

function validateClusterIPRange(spec: ServiceSpec, old: ServiceSpec | undefined, serviceCIDR: string): FieldError[] {
  if (spec.type === 'ExternalName' || isHeadless(spec)) return [];
  const cidr = parseCidr(serviceCIDR);
  if (!cidr) throw new Error(`invalid service CIDR ${serviceCIDR}`);
  const kept = new Set(old?.clusterIPs ?? []);
  return (spec.clusterIPs ?? [])
    .filter((ip) => !kept.has(ip) && ipFamilyOf(ip) === 'IPv4' && !allocatable(cidr, parseIp(ip)!))
    .map((ip) => ipNotInRangeError('spec.clusterIPs', ip, formatCidr(cidr)));
}

function validateNodePortRange(spec: ServiceSpec, old: ServiceSpec | undefined, range: ServiceValidationOptions['nodePortRange']): FieldError[] {
  if (!needsNodePorts(spec)) return [];
  const kept = new Set((old?.ports ?? []).map((p) => p.nodePort));
  return (spec.ports ?? []).flatMap((port, i) => {
    const nodePort = port.nodePort;
    if (!nodePort || kept.has(nodePort) || (nodePort >= range.min && nodePort <= range.max)) return [];
    return [portNotInRangeError(`spec.ports[${i}].nodePort`, nodePort, range)];
  });
}

/** Upstream refuses a malformed IP family setup before it looks at the cluster's, hence the early return. */
function validateAgainstCluster(spec: ServiceSpec, old: ServiceSpec | undefined, opts: ServiceValidationOptions): FieldError[] {
  if (validateClusterIPs(spec).length) return [];
  const familyErrs = validateFamiliesConfigured(spec);
  if (familyErrs.length) return familyErrs;
  const refusals = [...validateClusterIPRange(spec, old, opts.serviceCIDR), ...validateNodePortRange(spec, old, opts.nodePortRange)];
  // The allocators give up at the first request they refuse.
  return refusals.slice(0, 1);
}

/**
 * Everything about a Service that can be decided from the object, the stored one on update,
 * and the cluster's configuration. Metadata is validated by the registry for every type.
 */
export function validateService(svc: Service, old: Service | undefined, opts: ServiceValidationOptions): FieldError[] {
  const spec = svc.spec ?? {};
  const oldSpec = old?.spec;
  return [...(oldSpec ? validateUpdate(spec, oldSpec) : []), ...validateSpec(spec), ...validateAgainstCluster(spec, oldSpec, opts)];
}
