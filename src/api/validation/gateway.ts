// Gateway API (gateway.networking.k8s.io/v1) defaults and validation. Upstream these are CRDs:
// errors read as the CRD validator words them (schema: enum, pattern, bounds; CEL rules with the
// CRDs' messages, reported on the object as `Invalid value: "object"`).
import type { Gateway, GatewayClass, HTTPRoute, HTTPRouteMatch } from '../networking.js';
import { fieldErrors, path, type FieldError, type FieldPath } from './field.js';
import { dns1123SubdomainFmt } from './names.js';

const gatewayGroup = 'gateway.networking.k8s.io';
const hostnameFmt = `^(\\*\\.)?${dns1123SubdomainFmt}$`;
const hostnameRe = new RegExp(hostnameFmt);
const headerNameFmt = "^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$";
const headerNameRe = new RegExp(headerNameFmt);
const controllerNameFmt = `^${dns1123SubdomainFmt}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`;
const controllerNameRe = new RegExp(controllerNameFmt);
const pathTypes = ['Exact', 'PathPrefix', 'RegularExpression'];
const headerMatchTypes = ['Exact', 'RegularExpression'];
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
const protocolFmt = `^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|${dns1123SubdomainFmt}\\/[A-Za-z0-9]+$`;
const protocolRe = new RegExp(protocolFmt);
const when = " when type one of ['Exact', 'PathPrefix']";

const pattern = (p: FieldPath, value: string, fmt: string): FieldError => fieldErrors.invalid(p.text, value, `${p.text} in body should match '${fmt}'`);
const cel = (p: FieldPath, message: string): FieldError => fieldErrors.invalid(p.text, 'object', message);
const maxItems = (p: FieldPath, n: number, max: number): FieldError => ({ reason: 'FieldValueTooMany', field: p.text, message: `Too many: ${n}: must have at most ${max} items` });

/** The CRDs' defaults: what the API server fills in before validating. */
export function defaultHTTPRoute(route: HTTPRoute): void {
  route.spec ??= {};
  for (const ref of route.spec.parentRefs ?? []) {
    ref.group ??= gatewayGroup;
    ref.kind ??= 'Gateway';
  }
  route.spec.rules ??= [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }];
  for (const rule of route.spec.rules) {
    rule.matches ??= [{ path: { type: 'PathPrefix', value: '/' } }];
    for (const m of rule.matches) {
      if (m.path) {
        m.path.type ??= 'PathPrefix';
        m.path.value ??= '/';
      }
      for (const h of [...(m.headers ?? []), ...(m.queryParams ?? [])]) h.type ??= 'Exact';
    }
    for (const b of rule.backendRefs ?? []) {
      b.group ??= '';
      b.kind ??= 'Service';
      b.weight ??= 1;
    }
  }
}

export function defaultGateway(gw: Gateway): void {
  for (const l of gw.spec?.listeners ?? []) {
    l.allowedRoutes ??= { namespaces: { from: 'Same' } };
    if (l.tls) l.tls.mode ??= 'Terminate';
  }
}

function validateHostname(value: string, p: FieldPath): FieldError[] {
  if (value.length > 253) return [fieldErrors.tooLong(p.text, 253)];
  return hostnameRe.test(value) ? [] : [pattern(p, value, hostnameFmt)];
}

function validateMatch(m: HTTPRouteMatch, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (m.path) {
    const pp = p.child('path');
    const { type, value = '' } = m.path;
    if (type && !pathTypes.includes(type)) errs.push(fieldErrors.notSupported(pp.child('type').text, type, pathTypes));
    if (value.length > 1024) errs.push(fieldErrors.tooLong(pp.child('value').text, 1024));
    if (type === 'Exact' || type === 'PathPrefix') {
      if (!value.startsWith('/')) errs.push(cel(pp, `value must be an absolute path and start with '/'${when}`));
      for (const seq of ['//', '/./', '/../', '%2f', '%2F', '#']) if (value.includes(seq)) errs.push(cel(pp, `must not contain '${seq}'${when}`));
      for (const suffix of ['/..', '/.']) if (value.endsWith(suffix)) errs.push(cel(pp, `must not end with '${suffix}'${when}`));
    }
  }
  const headers = m.headers ?? [];
  if (headers.length > 16) errs.push(maxItems(p.child('headers'), headers.length, 16));
  const seen = new Set<string>();
  headers.forEach((h, i) => {
    const hp = p.child('headers').index(i);
    if (!h.name) errs.push(fieldErrors.required(hp.child('name').text));
    else if (!headerNameRe.test(h.name)) errs.push(pattern(hp.child('name'), h.name, headerNameFmt));
    else if (seen.has(h.name.toLowerCase())) errs.push(fieldErrors.duplicate(p.child('headers').text, h.name));
    seen.add((h.name ?? '').toLowerCase());
    if (h.value === undefined || h.value === '') errs.push(fieldErrors.required(hp.child('value').text));
    if (h.type && !headerMatchTypes.includes(h.type)) errs.push(fieldErrors.notSupported(hp.child('type').text, h.type, headerMatchTypes));
  });
  const query = m.queryParams ?? [];
  if (query.length > 16) errs.push(maxItems(p.child('queryParams'), query.length, 16));
  query.forEach((q, i) => {
    const qp = p.child('queryParams').index(i);
    if (!q.name) errs.push(fieldErrors.required(qp.child('name').text));
    if (q.value === undefined || q.value === '') errs.push(fieldErrors.required(qp.child('value').text));
    if (q.type && !headerMatchTypes.includes(q.type)) errs.push(fieldErrors.notSupported(qp.child('type').text, q.type, headerMatchTypes));
  });
  if (m.method !== undefined && !methods.includes(m.method)) errs.push(fieldErrors.notSupported(p.child('method').text, m.method, methods));
  return errs;
}

export function validateHTTPRoute(route: HTTPRoute): FieldError[] {
  const errs: FieldError[] = [];
  const spec = route.spec ?? {};
  const p = path('spec');
  const parents = spec.parentRefs ?? [];
  if (parents.length > 32) errs.push(maxItems(p.child('parentRefs'), parents.length, 32));
  parents.forEach((ref, i) => {
    if (!ref.name) errs.push(fieldErrors.required(p.child('parentRefs').index(i).child('name').text));
  });
  const hostnames = spec.hostnames ?? [];
  if (hostnames.length > 16) errs.push(maxItems(p.child('hostnames'), hostnames.length, 16));
  hostnames.forEach((h, i) => errs.push(...validateHostname(h, p.child('hostnames').index(i))));
  const rules = spec.rules ?? [];
  if (rules.length > 16) errs.push(maxItems(p.child('rules'), rules.length, 16));
  rules.forEach((rule, i) => {
    const r = p.child('rules').index(i);
    const matches = rule.matches ?? [];
    if (matches.length > 64) errs.push(maxItems(r.child('matches'), matches.length, 64));
    matches.forEach((m, j) => errs.push(...validateMatch(m, r.child('matches').index(j))));
    const refs = rule.backendRefs ?? [];
    if (refs.length > 16) errs.push(maxItems(r.child('backendRefs'), refs.length, 16));
    refs.forEach((b, j) => {
      const bp = r.child('backendRefs').index(j);
      if (!b.name) errs.push(fieldErrors.required(bp.child('name').text));
      if (b.weight !== undefined && (!Number.isInteger(b.weight) || b.weight < 0)) errs.push(fieldErrors.invalid(bp.child('weight').text, b.weight, `${bp.child('weight').text} in body should be greater than or equal to 0`));
      if (b.weight !== undefined && b.weight > 1_000_000) errs.push(fieldErrors.invalid(bp.child('weight').text, b.weight, `${bp.child('weight').text} in body should be less than or equal to 1000000`));
      if (b.port !== undefined && (!Number.isInteger(b.port) || b.port < 1 || b.port > 65535)) errs.push(fieldErrors.invalid(bp.child('port').text, b.port, `${bp.child('port').text} in body should be ${b.port < 1 ? 'greater than or equal to 1' : 'less than or equal to 65535'}`));
      if ((b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service' && b.port === undefined) errs.push(cel(bp, 'Must have port for Service reference'));
    });
  });
  return errs;
}

export function validateGatewayClass(gc: GatewayClass, old: GatewayClass | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const f = path('spec', 'controllerName');
  const name = gc.spec?.controllerName ?? '';
  if (!name) errs.push(fieldErrors.required(f.text));
  else if (!controllerNameRe.test(name)) errs.push(pattern(f, name, controllerNameFmt));
  if (old && old.spec.controllerName !== name) errs.push(fieldErrors.invalid(f.text, name, 'Value is immutable'));
  return errs;
}

export function validateGateway(gw: Gateway): FieldError[] {
  const errs: FieldError[] = [];
  const p = path('spec');
  if (!gw.spec?.gatewayClassName) errs.push(fieldErrors.required(p.child('gatewayClassName').text));
  const listeners = gw.spec?.listeners ?? [];
  if (listeners.length === 0) errs.push(fieldErrors.required(p.child('listeners').text));
  if (listeners.length > 64) errs.push(maxItems(p.child('listeners'), listeners.length, 64));
  const names = new Set<string>();
  listeners.forEach((l, i) => {
    const lp = p.child('listeners').index(i);
    if (!l.name) errs.push(fieldErrors.required(lp.child('name').text));
    else if (names.has(l.name)) errs.push(cel(p.child('listeners'), 'Listener name must be unique within the Gateway'));
    names.add(l.name);
    if (!Number.isInteger(l.port) || l.port < 1 || l.port > 65535) errs.push(fieldErrors.invalid(lp.child('port').text, l.port ?? 0, `${lp.child('port').text} in body should be ${(l.port ?? 0) < 1 ? 'greater than or equal to 1' : 'less than or equal to 65535'}`));
    if (!l.protocol) errs.push(fieldErrors.required(lp.child('protocol').text));
    if (l.hostname) errs.push(...validateHostname(l.hostname, lp.child('hostname')));
    if (l.protocol === 'HTTPS' && !l.tls) errs.push(cel(p.child('listeners'), 'tls must be specified for protocols [\'HTTPS\', \'TLS\']'));
    if ((l.protocol === 'HTTP' || l.protocol === 'TCP' || l.protocol === 'UDP') && l.tls) errs.push(cel(p.child('listeners'), "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"));
    if (l.protocol && !protocolRe.test(l.protocol)) errs.push(pattern(lp.child('protocol'), l.protocol, protocolFmt));
  });
  return errs;
}
