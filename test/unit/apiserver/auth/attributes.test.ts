import test from 'ava';
import { requestAttributes } from '../../../../src/apiserver/auth/attributes.js';
import { forbiddenRequest } from '../../../../src/apiserver/auth/forbidden.js';
import { anonymous } from '../../../../src/apiserver/auth/user.js';

const attrs = (method: string, url: string) => requestAttributes({ method, url }, anonymous);

test('a GET of a collection is a list, with ?watch a watch, and of one object a get', (t) => {
  t.like(attrs('GET', '/api/v1/namespaces/default/pods'), { verb: 'list', resource: 'pods', namespace: 'default', apiGroup: '' });
  t.like(attrs('GET', '/api/v1/namespaces/default/pods?watch=1'), { verb: 'watch' });
  t.like(attrs('GET', '/apis/apps/v1/namespaces/demo/deployments/web'), { verb: 'get', apiGroup: 'apps', resource: 'deployments', name: 'web' });
  t.like(attrs('GET', '/api/v1/watch/namespaces/default/services'), { verb: 'watch', resource: 'services' });
});

test('writes map to create, update, patch, delete and deletecollection', (t) => {
  t.is(attrs('POST', '/api/v1/namespaces/default/services').verb, 'create');
  t.is(attrs('PUT', '/api/v1/namespaces/default/services/web').verb, 'update');
  t.is(attrs('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale').verb, 'patch');
  t.is(attrs('DELETE', '/api/v1/namespaces/default/pods/p').verb, 'delete');
  t.is(attrs('DELETE', '/api/v1/namespaces/default/pods').verb, 'deletecollection');
});

test('subresources and the namespace object itself are recognised', (t) => {
  t.like(attrs('POST', '/api/v1/namespaces/default/pods/p/exec'), { resource: 'pods', name: 'p', subresource: 'exec' });
  t.like(attrs('GET', '/api/v1/namespaces/demo'), { resource: 'namespaces', name: 'demo', namespace: 'demo' });
  t.like(attrs('PUT', '/api/v1/namespaces/demo/finalize'), { resource: 'namespaces', name: 'demo', subresource: 'finalize' });
  t.like(attrs('GET', '/api/v1/nodes'), { resource: 'nodes', namespace: undefined, verb: 'list' });
});

test('paths outside the API are non-resource requests', (t) => {
  t.like(attrs('GET', '/healthz'), { resourceRequest: false, verb: 'get', path: '/healthz' });
  t.like(attrs('GET', '/apis'), { resourceRequest: false });
});

test('a refusal says who cannot do what where, in upstream wording', (t) => {
  t.is(
    forbiddenRequest(attrs('GET', '/api/v1/namespaces/kube-system/pods')).message,
    'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "kube-system"',
  );
  t.is(
    forbiddenRequest(attrs('DELETE', '/apis/apps/v1/namespaces/demo/deployments/web')).message,
    'deployments.apps "web" is forbidden: User "system:anonymous" cannot delete resource "deployments" in API group "apps" in the namespace "demo"',
  );
  t.is(forbiddenRequest(attrs('GET', '/api/v1/nodes')).message, 'nodes is forbidden: User "system:anonymous" cannot list resource "nodes" in API group "" at the cluster scope');
  t.is(forbiddenRequest(attrs('GET', '/metrics')).message, 'forbidden: User "system:anonymous" cannot get path "/metrics"');
  t.is(forbiddenRequest(attrs('GET', '/metrics')).code, 403);
});
