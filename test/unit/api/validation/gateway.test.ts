import test from 'ava';
import type { Gateway, HTTPRoute } from '../../../../src/api/networking.js';
import { defaultHTTPRoute, validateGateway, validateGatewayClass, validateHTTPRoute } from '../../../../src/api/validation/gateway.js';

function route(spec: HTTPRoute['spec']): HTTPRoute {
  const r: HTTPRoute = { metadata: { name: 'r', namespace: 'default' }, spec };
  defaultHTTPRoute(r);
  return r;
}
const messages = (r: HTTPRoute): string[] => validateHTTPRoute(r).map((e) => `${e.field}: ${e.message}`);

test('HTTPRoute defaults as the CRD declares them: parentRef group/kind, PathPrefix "/", backend kind Service, weight 1', (t) => {
  const r = route({ parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  t.deepEqual(r.spec, {
    parentRefs: [{ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80, group: '', kind: 'Service', weight: 1 }] }],
  });
  t.deepEqual(messages(r), []);
});

test('HTTPRoute validation: paths, hostnames, headers, weights, Service port', (t) => {
  t.deepEqual(messages(route({ rules: [{ matches: [{ path: { type: 'PathPrefix', value: 'x' } }, { path: { type: 'Exact', value: '/a//b' } }] }] })), [
    "spec.rules[0].matches[0].path: Invalid value: \"object\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    "spec.rules[0].matches[1].path: Invalid value: \"object\": must not contain '//' when type one of ['Exact', 'PathPrefix']",
  ]);
  t.deepEqual(messages(route({ rules: [{ matches: [{ path: { type: 'Glob' as never, value: '/' } }] }] })), ['spec.rules[0].matches[0].path.type: Unsupported value: "Glob": supported values: "Exact", "PathPrefix", "RegularExpression"']);
  t.regex(messages(route({ hostnames: ['Shop.example.com'] }))[0]!, /^spec\.hostnames\[0\]: Invalid value: "Shop\.example\.com": spec\.hostnames\[0\] in body should match '\^\(\\\*\\\.\)\?/);
  t.deepEqual(messages(route({ hostnames: ['*.example.com'] })), []);
  t.deepEqual(messages(route({ rules: [{ matches: [{ headers: [{ name: 'X-A', value: '1' }, { name: 'x-a', value: '2' }] }] }] })), ['spec.rules[0].matches[0].headers: Duplicate value: "x-a"']);
  t.deepEqual(messages(route({ rules: [{ backendRefs: [{ name: 'web', port: 80, weight: 2_000_000 }, { name: 'api' }] }] })), [
    'spec.rules[0].backendRefs[0].weight: Invalid value: 2000000: spec.rules[0].backendRefs[0].weight in body should be less than or equal to 1000000',
    'spec.rules[0].backendRefs[1]: Invalid value: "object": Must have port for Service reference',
  ]);
  t.deepEqual(messages(route({ rules: [{ backendRefs: [{ name: 'b', group: 'example.com', kind: 'Bucket' }] }] })), [], 'other kinds need no port');
  t.deepEqual(messages(route({ rules: [{ matches: [{ method: 'FETCH', queryParams: [{ name: 'v', value: '' }] }] }] })), [
    'spec.rules[0].matches[0].queryParams[0].value: Required value',
    'spec.rules[0].matches[0].method: Unsupported value: "FETCH": supported values: "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"',
  ]);
});

test('Gateway and GatewayClass validation', (t) => {
  const gw = (listeners: Gateway['spec']['listeners']): string[] => validateGateway({ metadata: { name: 'g' }, spec: { gatewayClassName: 'nginx', listeners } }).map((e) => `${e.field}: ${e.message}`);
  t.deepEqual(gw([{ name: 'http', port: 80, protocol: 'HTTP' }]), []);
  t.deepEqual(gw([{ name: 'a', port: 80, protocol: 'HTTP' }, { name: 'a', port: 81, protocol: 'HTTP' }]), ['spec.listeners: Invalid value: "object": Listener name must be unique within the Gateway']);
  t.deepEqual(gw([{ name: 'https', port: 443, protocol: 'HTTPS' }]), ["spec.listeners: Invalid value: \"object\": tls must be specified for protocols ['HTTPS', 'TLS']"]);
  t.deepEqual(gw([]), ['spec.listeners: Required value']);
  t.deepEqual(validateGatewayClass({ metadata: { name: 'c' }, spec: { controllerName: 'example.com/gateway' } }, undefined), []);
  t.is(validateGatewayClass({ metadata: { name: 'c' }, spec: { controllerName: 'x' } }, undefined).length, 1);
});
