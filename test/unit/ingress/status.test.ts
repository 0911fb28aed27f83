import test from 'ava';
import type { Condition } from '../../../src/api/networking.js';
import { gatewayStatus, httpRouteParents, ingressStatus, withTimes } from '../../../src/ingress/status.js';
import { cluster, gatewayObjects, httpRoute, service } from './fixtures.js';

const web = service('web', 80, ['10.244.1.5']);
const brief = (conds: { type: string; status: string; reason: string }[]): string[] => conds.map((c) => `${c.type}=${c.status}/${c.reason}`);

test('Ingress status: the controller Service\'s load-balancer address, empty while it has none', (t) => {
  t.deepEqual(ingressStatus('203.0.113.200'), { loadBalancer: { ingress: [{ ip: '203.0.113.200' }] } });
  t.deepEqual(ingressStatus(undefined), { loadBalancer: {} });
});

test('Gateway status: Accepted, Programmed once there is an address, listeners with attached routes', (t) => {
  const { gatewayClass, gateway } = gatewayObjects();
  gateway.spec.listeners.push({ name: 'tcp', port: 9000, protocol: 'TCP' }, { name: 'odd', port: 8080, protocol: 'HTTP' });
  const c = cluster({ serviceParts: [web], gatewayClasses: [gatewayClass], gateways: [gateway], httpRoutes: [httpRoute('r', { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] })] });
  const s = gatewayStatus(c, gateway, '203.0.113.200');
  t.deepEqual(brief(s.conditions), ['Accepted=True/Accepted', 'Programmed=True/Programmed']);
  t.deepEqual(s.addresses, [{ type: 'IPAddress', value: '203.0.113.200' }]);
  t.deepEqual(s.listeners.map((l) => [l.name, l.attachedRoutes, ...brief(l.conditions)]), [
    ['http', 1, 'Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=True/Programmed', 'Conflicted=False/NoConflicts'],
    ['tcp', 0, 'Accepted=False/UnsupportedProtocol', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/Invalid', 'Conflicted=False/NoConflicts'],
    ['odd', 0, 'Accepted=False/PortUnavailable', 'ResolvedRefs=True/ResolvedRefs', 'Programmed=False/Invalid', 'Conflicted=False/NoConflicts'],
  ]);
  t.deepEqual(brief(gatewayStatus(c, gateway, undefined).conditions), ['Accepted=True/Accepted', 'Programmed=False/AddressNotAssigned']);
});

test('HTTPRoute status: Accepted and ResolvedRefs per parent, BackendNotFound for a missing Service', (t) => {
  const { gatewayClass, gateway } = gatewayObjects();
  const ok = httpRoute('ok', { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] });
  const missing = httpRoute('missing', { rules: [{ backendRefs: [{ name: 'gone', port: 80 }] }] });
  const elsewhere = httpRoute('elsewhere', { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] }, 'team-b');
  const c = cluster({ serviceParts: [web], gatewayClasses: [gatewayClass], gateways: [gateway], httpRoutes: [ok, missing, elsewhere] });
  t.deepEqual(brief(httpRouteParents(c, ok)[0]!.conditions), ['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']);
  t.deepEqual(brief(httpRouteParents(c, missing)[0]!.conditions), ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']);
  t.deepEqual(httpRouteParents(c, elsewhere), [], 'a parentRef without namespace names a Gateway in the route\'s own namespace');
  elsewhere.spec.parentRefs = [{ name: 'gw', namespace: 'default' }];
  t.deepEqual(brief(httpRouteParents(c, elsewhere)[0]!.conditions), ['Accepted=False/NotAllowedByListeners', 'ResolvedRefs=False/BackendNotFound']);
  gateway.spec.listeners[0]!.allowedRoutes = { namespaces: { from: 'Selector', selector: { matchLabels: { shared: 'yes' } } } };
  t.deepEqual(brief(httpRouteParents(c, elsewhere)[0]!.conditions), ['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound'], 'team-b is labelled shared=yes');
  t.deepEqual(brief(httpRouteParents(c, ok)[0]!.conditions).slice(0, 1), ['Accepted=False/NotAllowedByListeners'], 'default is not');
  gateway.spec.listeners[0]!.allowedRoutes = undefined;
  const crossNamespace = httpRoute('cross', { rules: [{ backendRefs: [{ name: 'web', namespace: 'other', port: 80 }] }] });
  t.deepEqual(brief(httpRouteParents(cluster({ ...c, httpRoutes: [crossNamespace] }), crossNamespace)[0]!.conditions), ['Accepted=True/Accepted', 'ResolvedRefs=False/RefNotPermitted']);
});

test('lastTransitionTime changes only with the status', (t) => {
  const before: Condition[] = [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'm', lastTransitionTime: 'T0' }];
  t.is(withTimes([{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'm2' }], before, 'T1')[0]!.lastTransitionTime, 'T0');
  t.is(withTimes([{ type: 'Accepted', status: 'False', reason: 'X', message: 'm' }], before, 'T1')[0]!.lastTransitionTime, 'T1');
});
