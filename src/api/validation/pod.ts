// Pod and PodSpec validation with the field paths and wording of
// pkg/apis/core/validation (ValidatePodSpec, validateContainers, validateProbe,
// ValidatePodUpdate), so a 422 reads like a real API server's.
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { Container, ContainerPort, EnvVar, IntOrString, Pod, PodSpec, Probe } from '../types.js';
import { fieldErrors, path, type FieldError, type FieldPath } from './field.js';
import { validateLabels, type NameValidator } from './meta.js';
import { dns1123Label, dns1123Subdomain, ianaServiceName, labelValue, qualifiedName } from './names.js';
import { validatePodRanges } from './pod-ranges.js';

/** ValidatePodName: pod names are DNS-1123 subdomains. */
export const validatePodName: NameValidator = dns1123Subdomain;

type Toleration = NonNullable<PodSpec['tolerations']>[number];
type DnsConfig = NonNullable<PodSpec['dnsConfig']>;
type HostAlias = NonNullable<PodSpec['hostAliases']>[number];
type FieldRef = NonNullable<NonNullable<EnvVar['valueFrom']>['fieldRef']>;
type HttpGet = NonNullable<Probe['httpGet']>;

const maxInt32 = 2147483647;

// ---- shared helpers (also used by workload.ts) ----

/** RegexError from k8s.io/apimachinery/pkg/util/validation, double space before "or" included. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  const eg = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

function inclusiveRange(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

export function invalidAll(fld: FieldPath, value: unknown, msgs: string[]): FieldError[] {
  return msgs.map((m) => fieldErrors.invalid(fld.text, value, m));
}

/** ValidateNonnegativeField; an absent optional field is fine. */
export function nonNegative(value: number | null | undefined, fld: FieldPath): FieldError[] {
  return value != null && value < 0 ? [fieldErrors.invalid(fld.text, value, 'must be greater than or equal to 0')] : [];
}

/** apiequality.Semantic.DeepEqual: absent, null, empty lists and empty maps are all "unset". */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(prune(a), prune(b));
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(prune) : undefined;
  if (value === null || typeof value !== 'object') return value ?? undefined;
  const entries = Object.entries(value).map(([k, v]) => [k, prune(v)] as const).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** An enum the defaults always fill: empty is Required, anything else outside `supported` is NotSupported. */
function oneOf(value: string | undefined, fld: FieldPath, supported: string[]): FieldError[] {
  if (!value) return [fieldErrors.required(fld.text)];
  return supported.includes(value) ? [] : [fieldErrors.notSupported(fld.text, value, supported)];
}

function dnsLabelIfSet(value: string | undefined, fld: FieldPath): FieldError[] {
  return value ? invalidAll(fld, value, dns1123Label(value)) : [];
}

function validateIp(value: string, fld: FieldPath): FieldError[] {
  return net.isIP(value) ? [] : [fieldErrors.invalid(fld.text, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)')];
}

// ---- ports ----

function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRange(1, 65535)];
}

/** An absent port is Go's zero IntOrString, the number 0. */
function validatePortNumOrName(port: IntOrString | undefined, fld: FieldPath): FieldError[] {
  if (typeof port === 'string') return invalidAll(fld, port, ianaServiceName(port));
  return invalidAll(fld, port ?? 0, isValidPortNum(port ?? 0));
}

function validatePortName(port: ContainerPort, names: Set<string>, fld: FieldPath): FieldError[] {
  if (!port.name) return [];
  const msgs = ianaServiceName(port.name);
  if (msgs.length) return invalidAll(fld, port.name, msgs);
  if (names.has(port.name)) return [fieldErrors.duplicate(fld.text, port.name)];
  names.add(port.name);
  return [];
}

function validateContainerPorts(ports: ContainerPort[] | undefined, fld: FieldPath): FieldError[] {
  const names = new Set<string>();
  return (ports ?? []).flatMap((port, i) => {
    const p = fld.index(i);
    const errs = validatePortName(port, names, p.child('name'));
    if (!port.containerPort) errs.push(fieldErrors.required(p.child('containerPort').text));
    else errs.push(...invalidAll(p.child('containerPort'), port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...invalidAll(p.child('hostPort'), port.hostPort, isValidPortNum(port.hostPort)));
    errs.push(...oneOf(port.protocol, p.child('protocol'), ['SCTP', 'TCP', 'UDP']));
    return errs;
  });
}

/** checkHostPortConflicts: one protocol/hostIP/hostPort per list of containers. */
function hostPortConflicts(containers: Container[], fld: FieldPath): FieldError[] {
  const seen = new Set<string>();
  return containers.flatMap((c, ci) =>
    (c.ports ?? []).flatMap((port, pi) => {
      if (!port.hostPort) return [];
      const key = `${port.protocol ?? ''}/${(port as { hostIP?: string }).hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) return [fieldErrors.duplicate(fld.index(ci).child('ports').index(pi).child('hostPort').text, key)];
      seen.add(key);
      return [];
    }),
  );
}

// ---- env ----

const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const envVarNameMsg = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";

export function isEnvVarName(name: string): string[] {
  const errs = new RegExp(`^${envVarNameFmt}$`).test(name) ? [] : [regexError(envVarNameMsg, envVarNameFmt, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1')];
  if (name === '.') errs.push("must not be '.'");
  else if (name === '..') errs.push("must not be '..'");
  else if (name.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

const envFieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
// Every v1 pod field label ConvertDownwardAPIFieldLabel knows, a superset of what env vars may use.
const podFieldLabels = [...envFieldPaths, 'metadata.annotations', 'metadata.labels', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase'];

/** ConvertDownwardAPIFieldLabel: the internal field path, or the conversion error. */
function convertFieldLabel(apiVersion: string, label: string): { path?: string; error?: string } {
  if (apiVersion !== 'v1') return { error: `unsupported pod version: ${apiVersion}` };
  const subscripted = /^(.+?)\['(.*)'\]$/.exec(label);
  if (subscripted && !['metadata.annotations', 'metadata.labels'].includes(subscripted[1]!)) return { error: `field label does not support subscript: ${label}` };
  if (subscripted || podFieldLabels.includes(label)) return { path: label };
  if (label === 'spec.host') return { path: 'spec.nodeName' };
  return { error: `field label not supported: ${label}` };
}

function validateFieldRef(ref: FieldRef, fld: FieldPath): FieldError[] {
  if (!ref.apiVersion) return [fieldErrors.required(fld.child('apiVersion').text)];
  if (!ref.fieldPath) return [fieldErrors.required(fld.child('fieldPath').text)];
  const { path: internal, error } = convertFieldLabel(ref.apiVersion, ref.fieldPath);
  if (error) return [fieldErrors.invalid(fld.child('fieldPath').text, ref.fieldPath, `error converting fieldPath: ${error}`)];
  const subscripted = /^(.+?)\['(.*)'\]$/.exec(internal!);
  if (subscripted) {
    const key = subscripted[1] === 'metadata.annotations' ? subscripted[2]!.toLowerCase() : subscripted[2]!;
    return invalidAll(fld, key, qualifiedName(key));
  }
  return envFieldPaths.includes(internal!) ? [] : [fieldErrors.notSupported(fld.child('fieldPath').text, internal, envFieldPaths)];
}

/** Only fieldRef contents are checked; the other sources are counted. */
function validateEnvValueFrom(ev: EnvVar, fld: FieldPath): FieldError[] {
  if (!ev.valueFrom) return [];
  const from = ev.valueFrom as Record<string, unknown>;
  const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => from[k] != null);
  const errs = ev.valueFrom.fieldRef ? validateFieldRef(ev.valueFrom.fieldRef, fld.child('fieldRef')) : [];
  if (sources.length === 0) {
    errs.push(fieldErrors.invalid(fld.text, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (ev.value) {
    errs.push(fieldErrors.invalid(fld.text, '', 'may not be specified when `value` is not empty'));
  } else if (sources.length > 1) {
    errs.push(fieldErrors.invalid(fld.text, '', 'may not have more than one field specified at a time'));
  }
  return errs;
}

function validateEnv(vars: EnvVar[] | undefined, fld: FieldPath): FieldError[] {
  return (vars ?? []).flatMap((ev, i) => {
    const p = fld.index(i);
    const nameErrs = ev.name ? invalidAll(p.child('name'), ev.name, isEnvVarName(ev.name)) : [fieldErrors.required(p.child('name').text)];
    return [...nameErrs, ...validateEnvValueFrom(ev, p.child('valueFrom'))];
  });
}

// ---- probes ----

const httpHeaderNameFmt = '[-A-Za-z0-9]+';

function validateHttpGet(h: HttpGet, fld: FieldPath): FieldError[] {
  const errs = h.path ? [] : [fieldErrors.required(fld.child('path').text)];
  errs.push(...validatePortNumOrName(h.port, fld.child('port')));
  if (h.scheme !== 'HTTP' && h.scheme !== 'HTTPS') errs.push(fieldErrors.notSupported(fld.child('scheme').text, h.scheme ?? '', ['HTTP', 'HTTPS']));
  for (const header of h.httpHeaders ?? []) {
    if (!new RegExp(`^${httpHeaderNameFmt}$`).test(header.name)) {
      errs.push(fieldErrors.invalid(fld.child('httpHeaders').text, header.name, regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, 'X-Header-Name')));
    }
  }
  return errs;
}

type Handlers = Probe & { grpc?: { port?: number } };
const handlerChecks: [keyof Handlers & string, (h: Handlers, fld: FieldPath) => FieldError[]][] = [
  ['exec', (h, fld) => (h.exec!.command?.length ? [] : [fieldErrors.required(fld.child('command').text)])],
  ['httpGet', (h, fld) => validateHttpGet(h.httpGet!, fld)],
  ['tcpSocket', (h, fld) => validatePortNumOrName(h.tcpSocket!.port, fld.child('port'))],
  ['grpc', (h, fld) => validatePortNumOrName(h.grpc!.port ?? 0, fld.child('port'))],
];

/** validateHandler: exactly one of exec, httpGet, tcpSocket, grpc. */
function validateHandler(probe: Handlers, fld: FieldPath): FieldError[] {
  const present = handlerChecks.filter(([name]) => probe[name] != null);
  if (present.length === 0) return [fieldErrors.required(fld.text, 'must specify a handler type')];
  return present.flatMap(([name, check], i) =>
    i === 0 ? check(probe, fld.child(name)) : [fieldErrors.forbidden(fld.child(name).text, 'may not specify more than 1 handler type')],
  );
}

const probeTimings = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const;

function validateProbe(probe: Probe, fld: FieldPath): FieldError[] {
  const errs = validateHandler(probe, fld);
  for (const f of probeTimings) errs.push(...nonNegative(probe[f], fld.child(f)));
  const grace = probe.terminationGracePeriodSeconds;
  if (grace != null && grace <= 0) errs.push(fieldErrors.invalid(fld.child('terminationGracePeriodSeconds').text, grace, 'must be greater than 0'));
  return errs;
}

/** Liveness and startup probes: a single success must be enough. */
function successThresholdOne(probe: Probe, fld: FieldPath): FieldError[] {
  const value = probe.successThreshold ?? 0;
  return value === 1 ? [] : [fieldErrors.invalid(fld.child('successThreshold').text, value, 'must be 1')];
}

function validateProbes(c: Container, fld: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (c.livenessProbe) errs.push(...validateProbe(c.livenessProbe, fld.child('livenessProbe')), ...successThresholdOne(c.livenessProbe, fld.child('livenessProbe')));
  if (c.readinessProbe) {
    const p = fld.child('readinessProbe');
    errs.push(...validateProbe(c.readinessProbe, p));
    const grace = c.readinessProbe.terminationGracePeriodSeconds;
    if (grace != null) errs.push(fieldErrors.invalid(p.child('terminationGracePeriodSeconds').text, grace, 'must not be set for readinessProbes'));
  }
  if (c.startupProbe) errs.push(...validateProbe(c.startupProbe, fld.child('startupProbe')), ...successThresholdOne(c.startupProbe, fld.child('startupProbe')));
  return errs;
}

// ---- containers ----

function validateContainerCommon(c: Container, fld: FieldPath): FieldError[] {
  const errs = c.name ? invalidAll(fld.child('name'), c.name, dns1123Label(c.name)) : [fieldErrors.required(fld.child('name').text)];
  if (!c.image) errs.push(fieldErrors.required(fld.child('image').text));
  errs.push(...oneOf(c.terminationMessagePolicy, fld.child('terminationMessagePolicy'), ['File', 'FallbackToLogsOnError']));
  errs.push(...validateContainerPorts(c.ports, fld.child('ports')));
  errs.push(...validateEnv(c.env, fld.child('env')));
  errs.push(...oneOf(c.imagePullPolicy, fld.child('imagePullPolicy'), ['Always', 'IfNotPresent', 'Never']));
  return errs;
}

function validateContainers(containers: Container[] | undefined, fld: FieldPath): FieldError[] {
  if (!containers?.length) return [fieldErrors.required(fld.text)];
  const names = new Set<string>();
  const errs = containers.flatMap((c, i) => {
    const p = fld.index(i);
    const e = validateContainerCommon(c, p);
    if (names.has(c.name)) e.push(fieldErrors.duplicate(p.child('name').text, c.name));
    else names.add(c.name);
    e.push(...validateProbes(c, p));
    if (c.restartPolicy != null) e.push(fieldErrors.forbidden(p.child('restartPolicy').text, 'may not be set for non-init containers'));
    return e;
  });
  return [...errs, ...hostPortConflicts(containers, fld)];
}

const initOnlyForbidden = ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'];

function validateInitContainers(init: Container[] | undefined, regular: Container[] | undefined, fld: FieldPath): FieldError[] {
  const names = new Set((regular ?? []).map((c) => c.name));
  return (init ?? []).flatMap((c, i) => {
    const p = fld.index(i);
    const errs = validateContainerCommon(c, p);
    const restartPolicy = c.restartPolicy as string | undefined;
    if (restartPolicy != null && restartPolicy !== 'Always') errs.push(fieldErrors.notSupported(p.child('restartPolicy').text, restartPolicy, ['Always']));
    if (names.has(c.name)) errs.push(fieldErrors.duplicate(p.child('name').text, c.name));
    else if (c.name) names.add(c.name);
    // Upstream checks each init container as a list of one, so the path always says [0].
    errs.push(...hostPortConflicts([c], fld));
    if (restartPolicy === 'Always') return [...errs, ...validateProbes(c, p)];
    for (const f of initOnlyForbidden.filter((f) => c[f] != null)) {
      errs.push(fieldErrors.forbidden(p.child(f).text, 'may not be set for init containers without restartPolicy=Always'));
    }
    return errs;
  });
}

// ---- pod-level fields ----

/** Required once defaulted; negative values are refused here (upstream only warns, see the report). */
function validateGracePeriod(value: number | undefined, fld: FieldPath): FieldError[] {
  return value == null ? [fieldErrors.required(fld.text)] : nonNegative(value, fld);
}

function validateNameservers(nameservers: string[], fld: FieldPath): FieldError[] {
  const errs = nameservers.length > 3 ? [fieldErrors.invalid(fld.text, nameservers, 'must not have more than 3 nameservers')] : [];
  return [...errs, ...nameservers.flatMap((ns, i) => validateIp(ns, fld.index(i)))];
}

function validateSearches(searches: string[], fld: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (searches.length > 32) errs.push(fieldErrors.invalid(fld.text, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(fieldErrors.invalid(fld.text, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  for (const [i, search] of searches.entries()) {
    const trimmed = search.replace(/\.$/, '');
    errs.push(...invalidAll(fld.index(i), trimmed, dns1123Subdomain(trimmed)));
  }
  return errs;
}

function validateDnsConfig(spec: PodSpec, fld: FieldPath): FieldError[] {
  const config: DnsConfig | undefined = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!config) return [fieldErrors.required(fld.text, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (!config.nameservers?.length) {
      return [fieldErrors.required(fld.child('nameservers').text, 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
    }
  }
  if (!config) return [];
  const optionErrs = (config.options ?? []).flatMap((o, i) => (o.name ? [] : [fieldErrors.required(fld.child('options').index(i).text, 'must not be empty')]));
  return [...validateNameservers(config.nameservers ?? [], fld.child('nameservers')), ...validateSearches(config.searches ?? [], fld.child('searches')), ...optionErrs];
}

function validateActiveDeadline(value: number | undefined, fld: FieldPath): FieldError[] {
  return value != null && (value < 1 || value > maxInt32) ? [fieldErrors.invalid(fld.text, value, inclusiveRange(1, maxInt32))] : [];
}

function validateToleration(t: Toleration, fld: FieldPath): FieldError[] {
  const errs = t.key ? invalidAll(fld.child('key'), t.key, qualifiedName(t.key)) : [];
  const operator = fld.child('operator');
  if (!t.key && t.operator !== 'Exists') {
    errs.push(fieldErrors.invalid(operator.text, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  }
  if (t.tolerationSeconds != null && t.effect !== 'NoExecute') {
    errs.push(fieldErrors.invalid(fld.child('effect').text, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }
  if (!t.operator || t.operator === 'Equal') {
    const msgs = labelValue(t.value ?? '');
    if (msgs.length) errs.push(fieldErrors.invalid(operator.text, t.value ?? '', msgs.join(';')));
  } else if (t.operator === 'Exists') {
    if (t.value) errs.push(fieldErrors.invalid(operator.text, t.value, "value must be empty when `operator` is 'Exists'"));
  } else {
    errs.push(fieldErrors.notSupported(operator.text, t.operator, ['Equal', 'Exists']));
  }
  if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
    errs.push(fieldErrors.notSupported(fld.child('effect').text, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
  }
  return errs;
}

function validateTolerations(tolerations: Toleration[] | undefined, fld: FieldPath): FieldError[] {
  return (tolerations ?? []).flatMap((t, i) => validateToleration(t, fld.index(i)));
}

function validateHostAlias(alias: HostAlias, fld: FieldPath): FieldError[] {
  const hostnames = (alias.hostnames ?? []).flatMap((h, j) => invalidAll(fld.child('hostnames').index(j), h, dns1123Subdomain(h)));
  return [...validateIp(alias.ip ?? '', fld.child('ip')), ...hostnames];
}

/** ValidatePodSpec, for pods and for the pod templates of workloads. */
export function validatePodSpec(spec: PodSpec, fld: FieldPath): FieldError[] {
  return [
    ...validateGracePeriod(spec.terminationGracePeriodSeconds, fld.child('terminationGracePeriodSeconds')),
    ...validateContainers(spec.containers, fld.child('containers')),
    ...validateInitContainers(spec.initContainers, spec.containers, fld.child('initContainers')),
    ...oneOf(spec.restartPolicy, fld.child('restartPolicy'), ['Always', 'OnFailure', 'Never']),
    ...oneOf(spec.dnsPolicy, fld.child('dnsPolicy'), ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']),
    ...validateLabels(spec.nodeSelector, fld.child('nodeSelector').text),
    ...validateDnsConfig(spec, fld.child('dnsConfig')),
    ...(spec.nodeName ? invalidAll(fld.child('nodeName'), spec.nodeName, dns1123Subdomain(spec.nodeName)) : []),
    ...validateActiveDeadline(spec.activeDeadlineSeconds as number | undefined, fld.child('activeDeadlineSeconds')),
    ...dnsLabelIfSet(spec.hostname, fld.child('hostname')),
    ...dnsLabelIfSet(spec.subdomain, fld.child('subdomain')),
    ...validateTolerations(spec.tolerations, fld.child('tolerations')),
    ...(spec.hostAliases ?? []).flatMap((a, i) => validateHostAlias(a, fld.child('hostAliases').index(i))),
    ...validatePodRanges(spec, fld),
  ];
}

// ---- pods only ----

/** validateContainersOnlyForPod: templates may carry a " " image placeholder, pods may not. */
function imageWhitespace(containers: Container[] | undefined, fld: FieldPath): FieldError[] {
  return (containers ?? []).flatMap((c, i) => {
    const image = c.image ?? '';
    return image === image.trim() ? [] : [fieldErrors.invalid(fld.index(i).child('image').text, image, 'must not have leading or trailing whitespace')];
  });
}

interface Step {
  errs: FieldError[];
  stop: boolean;
}

/** ValidateContainerUpdates: same number of containers, each still with an image. */
function containerUpdates(next: Container[], prev: Container[], fld: FieldPath): Step {
  if (next.length !== prev.length) return { errs: [fieldErrors.forbidden(fld.text, 'pod updates may not add or remove containers')], stop: true };
  const errs = next.flatMap((c, i) => (c.image ? [] : [fieldErrors.required(fld.index(i).child('image').text)]));
  return { errs: [...errs, ...imageWhitespace(next, fld)], stop: false };
}

/** activeDeadlineSeconds may be set once, then only lowered. */
function activeDeadlineUpdate(next: number | undefined, prev: number | undefined, fld: FieldPath): Step {
  if (next == null) {
    const errs = prev == null ? [] : [fieldErrors.invalid(fld.text, null, 'must not update from a positive integer to nil value')];
    return { errs, stop: false };
  }
  if (next < 0 || next > maxInt32) return { errs: [fieldErrors.invalid(fld.text, next, inclusiveRange(0, maxInt32))], stop: true };
  if (prev != null && prev < next) return { errs: [fieldErrors.invalid(fld.text, next, 'must be less than or equal to previous value')], stop: true };
  return { errs: [], stop: false };
}

function onlyAddedTolerations(next: Toleration[] | undefined, prev: Toleration[] | undefined, fld: FieldPath): FieldError[] {
  const kept = (prev ?? []).every((o) => (next ?? []).some((n) => semanticEqual({ ...o, tolerationSeconds: n.tolerationSeconds }, n)));
  if (!kept) return [fieldErrors.forbidden(fld.text, 'existing toleration can not be modified except its tolerationSeconds')];
  return validateTolerations(next, fld);
}

const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function withImagesOf(next: Container[] | undefined, prev: Container[] | undefined): Container[] | undefined {
  return next?.map((c, i) => ({ ...c, image: prev?.[i]?.image }));
}

/** The new spec with every field a pod update may change put back to its old value. */
function mungeUpdatable(next: PodSpec, prev: PodSpec): PodSpec {
  return {
    ...next,
    containers: withImagesOf(next.containers, prev.containers)!,
    initContainers: withImagesOf(next.initContainers, prev.initContainers),
    activeDeadlineSeconds: prev.activeDeadlineSeconds,
    tolerations: prev.tolerations,
  };
}

/** Stands in for upstream's cmp.Diff (whose output go-cmp deliberately keeps unstable): one -/+ pair per changed field. */
function specDiff(prev: PodSpec, next: PodSpec): string {
  const a = (prune(prev) ?? {}) as Record<string, unknown>;
  const b = (prune(next) ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
  if (keys.length === 0) return '';
  const lines = keys.flatMap((k) => [
    ...(k in a ? [`- \t${k}: ${JSON.stringify(a[k])},`] : []),
    ...(k in b ? [`+ \t${k}: ${JSON.stringify(b[k])},`] : []),
  ]);
  return ['  v1.PodSpec{', ...lines, '  }'].join('\n');
}

/** The update half of ValidatePodUpdate, with its early returns. */
function validatePodSpecUpdate(next: PodSpec, prev: PodSpec): FieldError[] {
  const spec = path('spec');
  const errs: FieldError[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    const step = containerUpdates(next[list] ?? [], prev[list] ?? [], spec.child(list));
    errs.push(...step.errs);
    if (step.stop) return errs;
  }
  const deadline = activeDeadlineUpdate(next.activeDeadlineSeconds as number | undefined, prev.activeDeadlineSeconds as number | undefined, spec.child('activeDeadlineSeconds'));
  errs.push(...deadline.errs);
  if (deadline.stop) return errs;
  errs.push(...onlyAddedTolerations(next.tolerations, prev.tolerations, spec.child('tolerations')));
  const diff = specDiff(prev, mungeUpdatable(next, prev));
  if (diff) errs.push(fieldErrors.forbidden(spec.text, `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${diff}`));
  return errs;
}

/** ValidatePodCreate / ValidatePodUpdate minus metadata, which the registry checks for every type. */
export function validatePod(pod: Pod, old: Pod | undefined): FieldError[] {
  const spec = pod.spec ?? { containers: [] };
  const specPath = path('spec');
  const errs = [
    ...validatePodSpec(spec, specPath),
    ...imageWhitespace(spec.containers, specPath.child('containers')),
    ...imageWhitespace(spec.initContainers, specPath.child('initContainers')),
  ];
  return old ? [...errs, ...validatePodSpecUpdate(spec, old.spec ?? { containers: [] })] : errs;
}
