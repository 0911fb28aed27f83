import test from 'ava';
import type { Ingress, IngressClass } from '../../../../src/api/networking.js';
import { types } from '../../../../src/api/resources.js';
import { validateIngress, validateIngressClass } from '../../../../src/api/validation/ingress.js';
import { isNotFound } from '../../../../src/client/client.js';
import { startApiServer } from '../../../helpers/apiserver.js';

const backend = { service: { name: 'web', port: { number: 80 } } };

function ingress(spec: Ingress['spec'], annotations?: Record<string, string>): Ingress {
  return { metadata: { name: 'web', namespace: 'default', annotations }, spec };
}

const messages = (ing: Ingress, old?: Ingress): string[] => validateIngress(ing, old).map((e) => `${e.field}: ${e.message}`);
const rule = (host: string | undefined, paths: unknown[]): NonNullable<Ingress['spec']['rules']>[number] => ({ host, http: { paths } }) as never;

test('a valid Ingress passes: hosts, wildcard, every path type, TLS, default backend', (t) => {
  const ing = ingress({
    defaultBackend: backend,
    tls: [{ hosts: ['web.example.com', '*.example.com'], secretName: 'web-tls' }],
    rules: [
      rule('web.example.com', [{ path: '/', pathType: 'Prefix', backend }, { path: '/exact', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } }]),
      rule('*.example.com', [{ pathType: 'ImplementationSpecific', backend }]),
      rule(undefined, [{ path: '/r', pathType: 'Prefix', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } } }]),
    ],
  });
  t.deepEqual(messages(ing), []);
});

test('pathType is required; unknown ones are listed; Exact and Prefix need a clean absolute path', (t) => {
  t.deepEqual(messages(ingress({ rules: [rule('a.example.com', [{ path: '/', backend }])] })), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
  t.deepEqual(messages(ingress({ rules: [rule('a.example.com', [{ path: '/', pathType: 'Regex', backend }])] })), [
    'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
  ]);
  t.deepEqual(messages(ingress({ rules: [rule('a.example.com', [{ path: 'foo', pathType: 'Prefix', backend }, { path: '/a//b/..', pathType: 'Exact', backend }])] })), [
    'spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path',
    "spec.rules[0].http.paths[1].path: Invalid value: \"/a//b/..\": must not contain '//'",
    "spec.rules[0].http.paths[1].path: Invalid value: \"/a//b/..\": cannot end with '/..'",
  ]);
  t.deepEqual(messages(ingress({ rules: [rule('a.example.com', [])] })), ['spec.rules[0].http.paths: Required value']);
});

test('hosts: `*` only as the whole first label, IPs refused', (t) => {
  t.deepEqual(messages(ingress({ rules: [rule('10.0.0.1', [{ path: '/', pathType: 'Prefix', backend }])] })), ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']);
  const [wild] = messages(ingress({ rules: [rule('foo.*.example.com', [{ path: '/', pathType: 'Prefix', backend }])] }));
  t.is(wild, "spec.rules[0].host: Invalid value: \"foo.*.example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  t.regex(messages(ingress({ rules: [rule('Web.Example.com', [{ path: '/', pathType: 'Prefix', backend }])] }))[0]!, /^spec\.rules\[0\]\.host: Invalid value: "Web\.Example\.com": a lowercase RFC 1123 subdomain/);
  t.regex(messages(ingress({ defaultBackend: backend, tls: [{ hosts: ['*'], secretName: 'x' }] }))[0]!, /^spec\.tls\[0\]\.hosts\[0\]: Invalid value: "\*": a wildcard DNS-1123 subdomain/);
});

test('backends: a service name and port, or a resource, never both', (t) => {
  const one = (b: unknown): string[] => messages(ingress({ defaultBackend: b as never }));
  t.deepEqual(one({}), ['spec.defaultBackend: Invalid value: "": resource or service backend is required']);
  t.deepEqual(one({ ...backend, resource: { kind: 'X', name: 'y' } }), ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']);
  t.deepEqual(one({ service: { name: 'web' } }), ['spec.defaultBackend: Required value: port name or number is required']);
  t.deepEqual(one({ service: { name: 'web', port: { name: 'http', number: 80 } } }), ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']);
  t.deepEqual(one({ service: { name: 'web', port: { number: 70000 } } }), ['spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive']);
  t.deepEqual(one({ service: { name: '', port: { number: 80 } } }), ['spec.defaultBackend.service.name: Required value']);
  t.regex(one({ service: { name: '1web', port: { number: 80 } } })[0]!, /^spec\.defaultBackend\.service\.name: Invalid value: "1web": a DNS-1035 label/);
  t.deepEqual(one({ resource: { name: 'y' } }), ['spec.defaultBackend.resource.kind: Required value']);
});

test('an Ingress needs rules or a default backend; the class annotation must agree with ingressClassName', (t) => {
  t.deepEqual(messages(ingress({})), ['spec: Invalid value: []: either `defaultBackend` or `rules` must be specified']);
  t.deepEqual(messages(ingress({ defaultBackend: backend, ingressClassName: 'nginx' }, { 'kubernetes.io/ingress.class': 'other' })), [
    'annotations.kubernetes.io/ingress.class: Invalid value: "other": must match `ingressClassName` when both are specified',
  ]);
  t.deepEqual(messages(ingress({ defaultBackend: backend, tls: [{ secretName: 'Bad_Name' }] })).length, 1);
});

test('IngressClass: controller required, domain-prefixed, immutable; parameters scope', (t) => {
  const ic = (spec: IngressClass['spec']): IngressClass => ({ metadata: { name: 'nginx' }, spec });
  t.deepEqual(validateIngressClass(ic({ controller: 'k8s.io/ingress-nginx' }), undefined), []);
  t.deepEqual(validateIngressClass(ic({}), undefined).map((e) => e.message), ['Required value']);
  t.deepEqual(validateIngressClass(ic({ controller: 'nginx' }), undefined).map((e) => e.message), ['Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
  t.deepEqual(validateIngressClass(ic({ controller: 'example.com/b' }), ic({ controller: 'k8s.io/ingress-nginx' })).map((e) => `${e.field}: ${e.message}`), ['spec.controller: Invalid value: "example.com/b": field is immutable']);
  t.deepEqual(validateIngressClass(ic({ controller: 'k8s.io/x', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } }), undefined).map((e) => `${e.field}: ${e.message}`), [
    "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
  ]);
});

test('the API server fills in the default class, refuses a class-less Ingress while two classes are default, and stores nothing', async (t) => {
  const api = await startApiServer(t);
  const cls = (name: string): IngressClass => ({ metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } });
  await api.client.create(types.ingressclasses, cls('first'));
  const ing = await api.client.create<Ingress>(types.ingresses, ingress({ defaultBackend: backend }), 'default');
  t.is(ing.spec.ingressClassName, 'first');
  t.deepEqual(ing.status, { loadBalancer: {} });
  await api.client.create(types.ingressclasses, cls('second'));
  const e = await t.throwsAsync(api.client.create(types.ingresses, { ...ingress({ defaultBackend: backend }), metadata: { name: 'two' } }, 'default'));
  t.is(e?.message, 'ingresses.networking.k8s.io "two" is forbidden: Internal error occurred: 2 default IngressClasses were found, only 1 allowed');
  t.true(await api.client.get(types.ingresses, 'two', 'default').then(() => false, isNotFound));
  // Naming a class (or the annotation) needs no default.
  const named = await api.client.create<Ingress>(types.ingresses, { ...ingress({ defaultBackend: backend, ingressClassName: 'second' }), metadata: { name: 'named' } }, 'default');
  t.is(named.spec.ingressClassName, 'second');
  const withParams = await api.client.create<IngressClass>(types.ingressclasses, { metadata: { name: 'p' }, spec: { controller: 'example.com/lb', parameters: { kind: 'Params', name: 'x' } } });
  t.is(withParams.spec.parameters?.scope, 'Cluster', 'parameters default to cluster scope');
});
