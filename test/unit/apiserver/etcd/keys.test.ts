import test from 'ava';
import { resourceTypes, typeKey } from '../../../../src/api/resources.js';
import { etcdKey, parseEtcdKey } from '../../../../src/apiserver/etcd/keys.js';

test('keys follow kube-apiserver: historical prefixes for services, endpoints, nodes and ingresses; CRD groups by group', (t) => {
  t.is(etcdKey('core/services', 'default/web'), '/registry/services/specs/default/web');
  t.is(etcdKey('core/endpoints', 'default/web'), '/registry/services/endpoints/default/web');
  t.is(etcdKey('core/nodes', 'node1'), '/registry/minions/node1');
  t.is(etcdKey('networking.k8s.io/ingresses', 'default/web'), '/registry/ingress/default/web');
  t.is(etcdKey('networking.k8s.io/ingressclasses', 'nginx'), '/registry/ingressclasses/nginx');
  t.is(etcdKey('apps/deployments', 'default/web'), '/registry/deployments/default/web');
  t.is(etcdKey('discovery.k8s.io/endpointslices', 'default/web-abc'), '/registry/endpointslices/default/web-abc');
  t.is(etcdKey('rbac.authorization.k8s.io/clusterroles', 'admin'), '/registry/clusterroles/admin');
  t.is(etcdKey('gateway.networking.k8s.io/httproutes', 'default/r'), '/registry/gateway.networking.k8s.io/httproutes/default/r');
});

test('every served type has its own prefix, and each key parses back to its type and key', (t) => {
  const prefixes = new Set(resourceTypes.map((r) => etcdKey(typeKey(r), '')));
  t.is(prefixes.size, resourceTypes.length);
  for (const r of resourceTypes) {
    const key = r.namespaced ? 'ns1/obj1' : 'obj1';
    t.deepEqual(parseEtcdKey(etcdKey(typeKey(r), key)), { type: typeKey(r), key });
  }
  t.is(parseEtcdKey('/registry/services/specs/'), undefined);
  t.is(parseEtcdKey('/registry/unknown/x'), undefined);
  t.is(parseEtcdKey('compact_rev_key'), undefined);
});
