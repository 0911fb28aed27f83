import test from 'ava';
import { parseProxyPath, rewriteHtml, rewriteLocation, splitSchemeNamePort } from '../../../../src/apiserver/subresources/proxy.js';

test('proxy paths: the service or pod id and what follows .../proxy', (t) => {
  t.deepEqual(parseProxyPath('/api/v1/namespaces/default/services/web:80/proxy/a/b'), { prefix: '/api/v1/namespaces/default/services/web:80/proxy', namespace: 'default', kind: 'services', id: 'web:80', rest: '/a/b' });
  t.deepEqual(parseProxyPath('/api/v1/namespaces/demo/pods/https:p:8443/proxy'), { prefix: '/api/v1/namespaces/demo/pods/https:p:8443/proxy', namespace: 'demo', kind: 'pods', id: 'https:p:8443', rest: undefined });
  t.is(parseProxyPath('/api/v1/namespaces/default/services/web'), undefined);
  t.is(parseProxyPath('/api/v1/nodes/n1/proxy/metrics'), undefined);
});

test('ids split as upstream: name, name:port, scheme:name:port', (t) => {
  t.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  t.deepEqual(splitSchemeNamePort('web:http'), { scheme: '', name: 'web', port: 'http' });
  t.deepEqual(splitSchemeNamePort('https:web:443'), { scheme: 'https', name: 'web', port: '443' });
  t.is(splitSchemeNamePort('ftp:web:21'), undefined);
  t.is(splitSchemeNamePort('a:b:c:d'), undefined);
  t.is(splitSchemeNamePort(':80'), undefined);
});

test('redirects and absolute links come back under the proxy prefix', (t) => {
  const loc = { scheme: 'http' as const, ip: '10.244.1.5', port: 8080, node: 'node1' };
  const prefix = '/api/v1/namespaces/default/services/web/proxy';
  t.is(rewriteLocation('/login?next=/', loc, prefix), `${prefix}/login?next=/`);
  t.is(rewriteLocation('http://10.244.1.5:8080/x#y', loc, prefix), `${prefix}/x#y`);
  t.is(rewriteLocation('https://example.com/', loc, prefix), 'https://example.com/');
  t.is(rewriteLocation('relative/path', loc, prefix), 'relative/path');
  t.is(
    rewriteHtml('<a href="/docs">d</a><img src=\'/i.png\'><a href="//cdn/x">c</a><a href="rel">r</a>', prefix),
    `<a href="${prefix}/docs">d</a><img src='${prefix}/i.png'><a href="//cdn/x">c</a><a href="rel">r</a>`,
  );
});
