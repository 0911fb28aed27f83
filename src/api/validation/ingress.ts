// Ingress and IngressClass validation with the messages of pkg/apis/networking/validation.
import { ingressClassAnnotation, type Ingress, type IngressBackend, type IngressClass, type HTTPIngressPath } from '../networking.js';
import { fieldErrors, path, type FieldError, type FieldPath } from './field.js';
import { invalidEach, ipFamilyOf, validatePortNumber } from './endpoints.js';
import { dns1035Label, dns1123Subdomain, ianaServiceName, wildcardDns1123Subdomain } from './names.js';

export const validateIngressName = dns1123Subdomain;
export const validateIngressClassName = dns1123Subdomain;

const supportedPathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];
const maxControllerLength = 250;

/** A host of a rule or a TLS entry: a DNS name, `*` only as the whole first label. */
function validateHost(host: string, field: string): FieldError[] {
  return invalidEach(field, host, host.includes('*') ? wildcardDns1123Subdomain(host) : dns1123Subdomain(host));
}

function validateBackend(backend: IngressBackend, p: FieldPath): FieldError[] {
  if (backend.resource && backend.service) return [fieldErrors.invalid(p.text, '', 'cannot set both resource and service backends')];
  if (backend.resource) {
    const r = p.child('resource');
    const errs: FieldError[] = [];
    if (backend.resource.apiGroup !== undefined) errs.push(...invalidEach(r.child('apiGroup').text, backend.resource.apiGroup, dns1123Subdomain(backend.resource.apiGroup)));
    if (!backend.resource.kind) errs.push(fieldErrors.required(r.child('kind').text));
    if (!backend.resource.name) errs.push(fieldErrors.required(r.child('name').text));
    return errs;
  }
  if (!backend.service) return [fieldErrors.invalid(p.text, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const svc = backend.service;
  const s = p.child('service');
  if (!svc.name) errs.push(fieldErrors.required(s.child('name').text));
  else errs.push(...invalidEach(s.child('name').text, svc.name, dns1035Label(svc.name)));
  const { name, number } = svc.port ?? {};
  if (name && number) errs.push(fieldErrors.invalid(p.text, '', 'cannot set both port name & port number'));
  else if (name) errs.push(...invalidEach(s.child('port').child('name').text, name, ianaServiceName(name)));
  else if (number) errs.push(...validatePortNumber(number, s.child('port').child('number').text));
  else errs.push(fieldErrors.required(p.text, 'port name or number is required'));
  return errs;
}

function validatePath(hp: HTTPIngressPath, p: FieldPath): FieldError[] {
  if (hp.pathType === undefined || hp.pathType === null) return [fieldErrors.required(p.child('pathType').text, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const field = p.child('path').text;
  const value = hp.path ?? '';
  switch (hp.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(fieldErrors.invalid(field, value, 'must be an absolute path'));
      for (const seq of invalidPathSequences) if (value.includes(seq)) errs.push(fieldErrors.invalid(field, value, `must not contain '${seq}'`));
      for (const suffix of invalidPathSuffixes) if (value.endsWith(suffix)) errs.push(fieldErrors.invalid(field, value, `cannot end with '${suffix}'`));
      break;
    case 'ImplementationSpecific':
      if (value && !value.startsWith('/')) errs.push(fieldErrors.invalid(field, value, 'must be an absolute path'));
      break;
    default:
      errs.push(fieldErrors.notSupported(p.child('pathType').text, hp.pathType, supportedPathTypes));
  }
  errs.push(...validateBackend(hp.backend ?? {}, p.child('backend')));
  return errs;
}

export function validateIngress(ing: Ingress, old: Ingress | undefined): FieldError[] {
  const spec = ing.spec ?? {};
  const p = path('spec');
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) errs.push(fieldErrors.invalid(p.text, rules, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, p.child('defaultBackend')));
  rules.forEach((rule, i) => {
    const r = p.child('rules').index(i);
    const host = rule.host ?? '';
    if (host) {
      if (ipFamilyOf(host)) errs.push(fieldErrors.invalid(r.child('host').text, host, 'must be a DNS name, not an IP address'));
      errs.push(...validateHost(host, r.child('host').text));
    }
    if (rule.http) {
      const h = r.child('http');
      if ((rule.http.paths ?? []).length === 0) errs.push(fieldErrors.required(h.child('paths').text));
      (rule.http.paths ?? []).forEach((hp, j) => errs.push(...validatePath(hp, h.child('paths').index(j))));
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    const t = p.child('tls').index(i);
    (tls.hosts ?? []).forEach((host, j) => errs.push(...validateHost(host, t.child('hosts').index(j).text)));
    if (tls.secretName) errs.push(...invalidEach(t.child('secretName').text, tls.secretName, dns1123Subdomain(tls.secretName)));
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) {
    errs.push(...invalidEach(p.child('ingressClassName').text, spec.ingressClassName, dns1123Subdomain(spec.ingressClassName)));
  }
  const annotation = ing.metadata.annotations?.[ingressClassAnnotation];
  if (!old && annotation !== undefined && spec.ingressClassName && annotation !== spec.ingressClassName) {
    errs.push(fieldErrors.invalid(`annotations.${ingressClassAnnotation}`, annotation, 'must match `ingressClassName` when both are specified'));
  }
  for (const [i, lb] of (ing.status?.loadBalancer?.ingress ?? []).entries()) {
    const s = path('status', 'loadBalancer', 'ingress').index(i);
    if (lb.ip && !ipFamilyOf(lb.ip)) errs.push(fieldErrors.invalid(s.child('ip').text, lb.ip, 'must be a valid IP address'));
    if (lb.hostname) {
      errs.push(...invalidEach(s.child('hostname').text, lb.hostname, dns1123Subdomain(lb.hostname)));
      if (ipFamilyOf(lb.hostname)) errs.push(fieldErrors.invalid(s.child('hostname').text, lb.hostname, 'must be a DNS name, not an IP address'));
    }
  }
  return errs;
}

export function validateIngressClass(ic: IngressClass, old: IngressClass | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const p = path('spec');
  const controller = ic.spec?.controller ?? '';
  if (!controller) errs.push(fieldErrors.required(p.child('controller').text));
  else {
    if (controller.length > maxControllerLength) errs.push(fieldErrors.tooLong(p.child('controller').text, maxControllerLength));
    const slash = controller.indexOf('/');
    if (slash < 0) errs.push(fieldErrors.invalid(p.child('controller').text, controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    else errs.push(...invalidEach(p.child('controller').text, controller.slice(0, slash), dns1123Subdomain(controller.slice(0, slash))));
  }
  if (old && old.spec?.controller !== controller) errs.push(fieldErrors.invalid(p.child('controller').text, controller, 'field is immutable'));
  const params = ic.spec?.parameters;
  if (params) {
    const q = p.child('parameters');
    if (!params.kind) errs.push(fieldErrors.required(q.child('kind').text));
    if (!params.name) errs.push(fieldErrors.required(q.child('name').text));
    if (!params.scope) errs.push(fieldErrors.required(q.child('scope').text));
    else if (!['Cluster', 'Namespace'].includes(params.scope)) errs.push(fieldErrors.notSupported(q.child('scope').text, params.scope, ['Cluster', 'Namespace']));
    else if (params.scope === 'Namespace' && !params.namespace) errs.push(fieldErrors.required(q.child('namespace').text, "`parameters.scope` is set to 'Namespace'"));
    else if (params.scope === 'Cluster' && params.namespace) errs.push(fieldErrors.forbidden(q.child('namespace').text, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}
