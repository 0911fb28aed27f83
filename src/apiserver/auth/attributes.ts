// A request's authorization attributes from its method, path and query, as
// upstream's RequestInfoFactory derives them.
import type http from 'node:http';
import { splitApiPath } from '../api-path.js';
import type { Attributes, UserInfo } from './user.js';

const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', GET: 'get', HEAD: 'get' };

const namespaceSubresources = new Set(['status', 'finalize']);

export function requestAttributes(req: Pick<http.IncomingMessage, 'method' | 'url'>, user: UserInfo): Attributes {
  const url = new URL(req.url ?? '/', 'http://local');
  const path = url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  const nonResource: Attributes = { user, verb: method.toLowerCase(), resourceRequest: false, path };
  const split = splitApiPath(path);
  if (!split) return nonResource;
  const { group: apiGroup, version: apiVersion } = split;
  let rest = split.rest;
  let verb = verbs[method] ?? method.toLowerCase();
  // The deprecated /watch/ prefix: /api/v1/watch/namespaces/ns/pods.
  if (rest[0] === 'watch') {
    verb = 'watch';
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // namespaces/NS/<resource>... is namespaced; namespaces/NS[/status|/finalize] is the namespace itself, in its own namespace.
  if (rest[0] === 'namespaces' && rest.length >= 2) {
    namespace = rest[1];
    if (rest.length >= 3 && !namespaceSubresources.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!name && verb === 'get') verb = 'list';
  const watch = url.searchParams.get('watch');
  if ((verb === 'list' || verb === 'get') && (watch === 'true' || watch === '1')) verb = 'watch';
  if (!name && verb === 'delete') verb = 'deletecollection';
  return { user, verb, resourceRequest: true, path, apiGroup, apiVersion, resource, subresource, namespace, name };
}
