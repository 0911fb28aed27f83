import test from 'ava';
import { apiGroupMatches, nonResourceURLMatches, resourceMatches, resourceNameMatches, ruleAllows, verbMatches } from '../../../../../src/apiserver/auth/rbac/rules.js';
import { anonymous, type Attributes } from '../../../../../src/apiserver/auth/user.js';
import type { PolicyRule } from '../../../../../src/api/types.js';

const rule = (r: Partial<PolicyRule>): PolicyRule => ({ verbs: [], ...r });
const res = (a: Partial<Attributes>): Attributes => ({ user: anonymous, verb: 'get', resourceRequest: true, path: '', apiGroup: '', ...a });

test('verbs: the verb itself or "*"', (t) => {
  t.true(verbMatches(rule({ verbs: ['get', 'list'] }), 'list'));
  t.false(verbMatches(rule({ verbs: ['get', 'list'] }), 'watch'));
  t.true(verbMatches(rule({ verbs: ['*'] }), 'impersonate'));
});

test('API groups: "" is the core group, "*" every group', (t) => {
  t.true(apiGroupMatches(rule({ apiGroups: [''] }), ''));
  t.false(apiGroupMatches(rule({ apiGroups: [''] }), 'apps'));
  t.true(apiGroupMatches(rule({ apiGroups: ['*'] }), 'apps'));
  t.false(apiGroupMatches(rule({}), ''));
});

test('resources: "*", the resource, "resource/subresource" and "*/subresource"', (t) => {
  const r = rule({ resources: ['pods', 'services/status', '*/scale'] });
  t.true(resourceMatches(r, 'pods', undefined));
  t.false(resourceMatches(r, 'pods', 'log'), 'pods does not grant pods/log');
  t.true(resourceMatches(r, 'services', 'status'));
  t.false(resourceMatches(r, 'services', undefined), 'services/status does not grant services');
  t.true(resourceMatches(r, 'deployments', 'scale'));
  t.false(resourceMatches(r, 'deployments', undefined));
  t.true(resourceMatches(rule({ resources: ['*'] }), 'pods', 'exec'), '"*" covers subresources too');
});

test('resourceNames: none means any; some means only those, so never a list', (t) => {
  t.true(resourceNameMatches(rule({}), undefined));
  t.true(resourceNameMatches(rule({ resourceNames: ['a'] }), 'a'));
  t.false(resourceNameMatches(rule({ resourceNames: ['a'] }), 'b'));
  t.false(resourceNameMatches(rule({ resourceNames: ['a'] }), undefined));
});

test('non-resource URLs: exact, "*", or a prefix with a trailing "*"', (t) => {
  const r = rule({ nonResourceURLs: ['/healthz', '/apis/*'] });
  t.true(nonResourceURLMatches(r, '/healthz'));
  t.false(nonResourceURLMatches(r, '/healthz/etcd'));
  t.true(nonResourceURLMatches(r, '/apis/apps/v1'));
  t.true(nonResourceURLMatches(r, '/apis/'));
  t.false(nonResourceURLMatches(r, '/apis'));
  t.true(nonResourceURLMatches(rule({ nonResourceURLs: ['*'] }), '/metrics'));
});

test('a rule allows a request when verb, group, resource and name all match; URL rules only non-resource requests', (t) => {
  const services = rule({ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services'] });
  t.true(ruleAllows(res({ verb: 'list', resource: 'services', namespace: 'demo' }), services));
  t.false(ruleAllows(res({ verb: 'delete', resource: 'services', name: 'x' }), services));
  t.false(ruleAllows(res({ verb: 'list', resource: 'pods' }), services));
  t.false(ruleAllows(res({ verb: 'list', resource: 'services', apiGroup: 'apps' }), services));
  const health = rule({ verbs: ['get'], nonResourceURLs: ['/healthz'] });
  t.true(ruleAllows({ user: anonymous, verb: 'get', resourceRequest: false, path: '/healthz' }, health));
  t.false(ruleAllows(res({ verb: 'get', resource: 'healthz' }), health), 'a URL rule grants no resource');
  t.false(ruleAllows({ user: anonymous, verb: 'get', resourceRequest: false, path: '/healthz' }, services), 'a resource rule grants no URL');
});
