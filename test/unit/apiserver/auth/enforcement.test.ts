// RBAC enforced by a real API server over HTTP: who gets a 403 and in which
// words, impersonation, anonymous requests and the review resources.
import test, { type ExecutionContext } from 'ava';
import http from 'node:http';
import { ApiError, type Status } from '../../../../src/api/errors.js';
import { types } from '../../../../src/api/resources.js';
import { anonymous, type UserInfo } from '../../../../src/apiserver/auth/user.js';
import { ApiClient, type Impersonation } from '../../../../src/client/client.js';
import { startApiServer, type TestServer } from '../../../helpers/apiserver.js';

const bob: UserInfo = { username: 'bob', groups: ['system:authenticated'] };

async function rbacServer(t: ExecutionContext): Promise<TestServer> {
  const s = await startApiServer(t, { authorizationMode: 'RBAC' });
  // A namespace with one Service and a reader that may only read Services there.
  await s.client.create(types.namespaces, { metadata: { name: 'demo' } });
  await s.client.create(types.services, { metadata: { name: 'web', namespace: 'demo' }, spec: { ports: [{ port: 80 }] } }, 'demo');
  await s.client.create(types.roles, { metadata: { name: 'svc-reader', namespace: 'demo' }, rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services'] }] }, 'demo');
  await s.client.create(types.rolebindings, { metadata: { name: 'reader', namespace: 'demo' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'svc-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'demo' }] }, 'demo');
  return s;
}

function as(s: TestServer, t: ExecutionContext, impersonate: Impersonation): ApiClient {
  const c = new ApiClient({ server: s.url, timeoutMs: 5000, impersonate });
  t.teardown(() => c.close());
  return c;
}

async function status(p: Promise<unknown>): Promise<Status> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e.status;
    throw e;
  }
  throw new Error('the request was not refused');
}

const reader = { user: 'system:serviceaccount:demo:reader' };

test('the admin impersonating a ServiceAccount gets exactly its rights, refused in upstream\'s words', async (t) => {
  const s = await rbacServer(t);
  const c = as(s, t, reader);
  t.deepEqual((await c.list(types.services, 'demo')).items.map((o) => o.metadata.name), ['web']);
  t.like(await status(c.list(types.services, 'default')), {
    code: 403,
    reason: 'Forbidden',
    message: 'services is forbidden: User "system:serviceaccount:demo:reader" cannot list resource "services" in API group "" in the namespace "default"',
    details: { kind: 'services' },
  });
  t.like(await status(c.delete(types.services, 'web', 'demo')), {
    message: 'services "web" is forbidden: User "system:serviceaccount:demo:reader" cannot delete resource "services" in API group "" in the namespace "demo"',
    details: { name: 'web', kind: 'services' },
  });
  t.like(await status(c.list(types.deployments, 'demo')), { message: 'deployments.apps is forbidden: User "system:serviceaccount:demo:reader" cannot list resource "deployments" in API group "apps" in the namespace "demo"' });
  t.truthy(await s.client.get(types.services, 'web', 'demo'), 'nothing was deleted');
  // A watch is a list: allowed in demo.
  const w = await c.watch(types.services, 'demo', '0');
  w.stop();
});

test('SelfSubjectReview says who the caller is: a ServiceAccount gets its groups and system:authenticated', async (t) => {
  const s = await rbacServer(t);
  const review = await as(s, t, reader).request<{ status: unknown }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  t.deepEqual(review.status, { userInfo: { username: 'system:serviceaccount:demo:reader', groups: ['system:serviceaccounts', 'system:serviceaccounts:demo', 'system:authenticated'] } });
  const asked = await as(s, t, { user: 'alice', groups: ['devs'] }).request<{ status: { userInfo: unknown } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
  t.deepEqual(asked.status.userInfo, { username: 'alice', groups: ['devs', 'system:authenticated'] });
  const admin = await s.client.request<{ status: { userInfo: unknown } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
  t.deepEqual(admin.status.userInfo, { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
});

test('impersonation needs the impersonate verb on users, groups and serviceaccounts', async (t) => {
  const s = await rbacServer(t);
  s.server.authenticate = () => bob;
  t.like(await status(as(s, t, { user: 'alice' }).list(types.services, 'demo')), {
    code: 403,
    message: 'users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope',
  });
  t.like(await status(as(s, t, reader).list(types.services, 'demo')), {
    message: 'serviceaccounts "reader" is forbidden: User "bob" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "demo"',
  });
  s.server.authenticate = () => ({ username: 'kubernetes-admin', groups: ['system:masters'] });
  await s.client.create(types.clusterroles, { metadata: { name: 'impersonate-alice' }, rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['alice'] }] });
  await s.client.create(types.clusterrolebindings, { metadata: { name: 'bob-as-alice' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonate-alice' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] });
  s.server.authenticate = () => bob;
  // bob may now act as alice, who may do nothing but discovery.
  t.like(await status(as(s, t, { user: 'alice' }).list(types.services, 'demo')), { message: 'services is forbidden: User "alice" cannot list resource "services" in API group "" in the namespace "demo"' });
  t.regex((await status(as(s, t, { user: 'carol' }).list(types.services, 'demo'))).message, /^users "carol" is forbidden/);
  t.like(await status(as(s, t, { user: 'alice', groups: ['system:masters'] }).list(types.services, 'demo')), {
    message: 'groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope',
  });
  const groupOnly = await fetch(`${s.url}/api/v1/namespaces/demo/services`, { headers: { 'Impersonate-Group': 'devs' } });
  t.is(groupOnly.status, 400);
});

test('anonymous requests reach health and version only; authenticated users also discovery and the self reviews', async (t) => {
  const s = await rbacServer(t);
  s.server.authenticate = () => anonymous;
  for (const p of ['/healthz', '/livez', '/readyz', '/version']) t.is((await fetch(`${s.url}${p}`)).status, 200, p);
  const api = await fetch(`${s.url}/api`);
  t.is(api.status, 403);
  t.like(await api.json(), { kind: 'Status', code: 403, reason: 'Forbidden', message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
  t.like(await status(s.client.create(types.pods, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, 'demo')), {
    code: 403,
    message: 'pods is forbidden: User "system:anonymous" cannot create resource "pods" in API group "" in the namespace "demo"',
  });
  t.deepEqual(s.store.list('core/pods'), [], 'nothing stored');
  s.server.authenticate = () => bob;
  t.is((await fetch(`${s.url}/api`)).status, 200);
  t.is((await fetch(`${s.url}/apis/apps/v1`)).status, 200);
  t.is((await fetch(`${s.url}/metrics`)).status, 403);
});

const ssar = (spec: unknown) => ({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec });

test('SelfSubjectAccessReview: yes with the binding that allows, no otherwise; 422 for a spec that asks nothing', async (t) => {
  const s = await rbacServer(t);
  const c = as(s, t, reader);
  const yes = await c.request<{ kind: string; status: unknown }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ resourceAttributes: { namespace: 'demo', verb: 'list', resource: 'services' } }));
  t.is(yes.kind, 'SelfSubjectAccessReview');
  t.deepEqual(yes.status, { allowed: true, reason: 'RBAC: allowed by RoleBinding "reader/demo" of Role "svc-reader" to ServiceAccount "reader/demo"' });
  const no = await c.request<{ status: unknown }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ resourceAttributes: { namespace: 'demo', verb: 'delete', resource: 'services' } }));
  t.deepEqual(no.status, { allowed: false });
  const url = await c.request<{ status: unknown }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({ nonResourceAttributes: { path: '/healthz', verb: 'get' } }));
  t.like(url.status, { allowed: true });
  t.like(await status(c.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', ssar({}))), {
    code: 422,
    message: 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
  });
  t.like(await status(s.client.request('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')), { code: 405 });
});

test('SelfSubjectRulesReview lists the rules in a namespace; SubjectAccessReview asks about someone else', async (t) => {
  const s = await rbacServer(t);
  const rules = await as(s, t, reader).request<{ status: { resourceRules: unknown[]; nonResourceRules: unknown[]; incomplete: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'demo' } });
  t.false(rules.status.incomplete);
  t.deepEqual(rules.status.resourceRules.at(-1), { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['services'] });
  t.true(rules.status.resourceRules.some((r) => JSON.stringify(r).includes('selfsubjectaccessreviews')), 'system:basic-user');
  t.true(rules.status.nonResourceRules.some((r) => JSON.stringify(r).includes('/healthz')), 'system:public-info-viewer');
  const sar = (spec: unknown) => s.client.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
  t.true((await sar({ user: 'system:serviceaccount:demo:reader', resourceAttributes: { namespace: 'demo', verb: 'get', resource: 'services', name: 'web' } })).status.allowed);
  t.false((await sar({ user: 'system:serviceaccount:demo:reader', resourceAttributes: { namespace: 'demo', verb: 'get', resource: 'pods' } })).status.allowed);
  t.true((await sar({ user: 'x', groups: ['system:masters'], resourceAttributes: { verb: 'delete', resource: 'nodes' } })).status.allowed);
  const local = await s.client.request<{ status: { allowed: boolean } }>('POST', '/apis/authorization.k8s.io/v1/namespaces/demo/localsubjectaccessreviews', { spec: { user: 'system:serviceaccount:demo:reader', resourceAttributes: { verb: 'list', resource: 'services' } } });
  t.true(local.status.allowed, 'the namespace comes from the path');
  t.like(await status(s.client.request('POST', '/apis/authorization.k8s.io/v1/namespaces/demo/localsubjectaccessreviews', { spec: { user: 'u', resourceAttributes: { namespace: 'other', verb: 'list', resource: 'services' } } })), { code: 422 });
  t.deepEqual(s.store.list('authorization.k8s.io/subjectaccessreviews'), [], 'reviews are not stored');
});

test('a WebSocket exec needs create on pods/exec, as upstream asks since 1.31: get alone is refused', async (t) => {
  const s = await rbacServer(t);
  await s.client.create(types.roles, { metadata: { name: 'exec-get', namespace: 'demo' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/exec'] }] }, 'demo');
  await s.client.create(types.rolebindings, { metadata: { name: 'bob-exec', namespace: 'demo' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exec-get' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }] }, 'demo');
  s.server.authenticate = () => bob;
  const answer = await new Promise<{ code: number; body: string }>((resolve, reject) => {
    const req = http.request(`${s.url}/api/v1/namespaces/demo/pods/p/exec?command=true&stdout=true`, { headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('error', reject);
    req.end();
  });
  t.is(answer.code, 403);
  t.is((JSON.parse(answer.body) as Status).message, 'pods "p" is forbidden: User "bob" cannot create resource "pods/exec" in API group "" in the namespace "demo"');
});

test('a review body is checked as a create\'s: wrong JSON types are a 400, unknown fields refused under Strict', async (t) => {
  const s = await rbacServer(t);
  const path = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
  t.like(await status(s.client.request('POST', path, { spec: { user: 'u', groups: 'devs', resourceAttributes: { verb: 'get', resource: 'pods' } } })), {
    code: 400,
    message: 'SubjectAccessReview in version "v1" cannot be handled as a SubjectAccessReview: json: cannot unmarshal string into Go struct field SubjectAccessReviewSpec.spec.groups of type []string',
  });
  t.like(await status(s.client.request('POST', `${path}?fieldValidation=Strict`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { usr: 'u' } })), { code: 400 });
  t.like(await status(s.client.request('POST', path, ['not', 'an', 'object'])), { code: 400, message: 'Object in request body is not a valid JSON object' });
  const ok = await s.client.request<{ status: { allowed: boolean } }>('POST', `${path}?fieldValidation=Strict`, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: { creationTimestamp: null }, spec: { user: 'u', resourceAttributes: { verb: 'get', resource: 'pods' } }, status: { allowed: false } });
  t.false(ok.status.allowed);
  const bad = await fetch(`${s.url}/api`, { headers: { 'Impersonate-User': 'alice', 'Impersonate-Extra-%zz': 'v' } });
  t.is(bad.status, 400);
});
