// The status the controller writes (pure): the Ingress's load-balancer address, and the Gateway
// API conditions (Accepted, Programmed, ResolvedRefs) as the spec defines their reasons.
import type { Condition, Gateway, GatewayClass, HTTPRoute, LoadBalancerIngress } from '../api/networking.js';
import { attachments, backendRefProblem, GATEWAY_CONTROLLER, LISTENER_PORTS, ourGateways, suffixMatches, type Cluster } from './model.js';

const gatewayGroup = 'gateway.networking.k8s.io';

export function ingressStatus(address: string | undefined): { loadBalancer: { ingress?: LoadBalancerIngress[] } } {
  return { loadBalancer: address ? { ingress: [{ ip: address }] } : {} };
}

type Cond = Omit<Condition, 'lastTransitionTime'>;

const cond = (type: string, ok: boolean, reason: string, message: string, observedGeneration?: number): Cond => ({ type, status: ok ? 'True' : 'False', reason, message, observedGeneration });

/** Conditions with lastTransitionTime kept from the previous ones whose status did not change. */
export function withTimes(next: Cond[], previous: Condition[] | undefined, now: string): Condition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : now } as Condition;
  });
}

export function gatewayClassConditions(gc: GatewayClass): Cond[] {
  return [cond('Accepted', true, 'Accepted', 'Handled by the svclab nginx controller', gc.metadata.generation)];
}

export function ownsGatewayClass(gc: GatewayClass): boolean {
  return gc.spec.controllerName === GATEWAY_CONTROLLER;
}

export interface GatewayStatusOut {
  conditions: Cond[];
  addresses?: { type: string; value: string }[];
  listeners: { name: string; supportedKinds: { group: string; kind: string }[]; attachedRoutes: number; conditions: Cond[] }[];
}

export function gatewayStatus(c: Cluster, gw: Gateway, address: string | undefined): GatewayStatusOut {
  const gen = gw.metadata.generation;
  const attached = attachments(c).filter((a) => a.gateway === gw);
  const listeners = gw.spec.listeners.map((l) => {
    const conds: Cond[] = [];
    const port = LISTENER_PORTS[l.protocol];
    const supported = port !== undefined;
    let refsOk = true;
    if (l.protocol === 'HTTPS') {
      const ref = l.tls?.certificateRefs?.[0];
      const secret = ref && c.secrets.find((s) => s.metadata.name === ref.name && s.metadata.namespace === (ref.namespace ?? gw.metadata.namespace));
      refsOk = !!secret && secret.type === 'kubernetes.io/tls';
    }
    if (!supported) conds.push(cond('Accepted', false, 'UnsupportedProtocol', `protocol ${l.protocol} is not supported; HTTP and HTTPS are`, gen));
    else if (l.port !== port) conds.push(cond('Accepted', false, 'PortUnavailable', `${l.protocol} is served on port ${port} only`, gen));
    else conds.push(cond('Accepted', true, 'Accepted', 'Listener is accepted', gen));
    const accepted = conds[0]!.status === 'True';
    conds.push(refsOk ? cond('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved', gen) : cond('ResolvedRefs', false, 'InvalidCertificateRef', 'the certificate reference is not a kubernetes.io/tls Secret', gen));
    conds.push(cond('Programmed', accepted && refsOk, accepted && refsOk ? 'Programmed' : 'Invalid', accepted && refsOk ? 'Listener is programmed' : 'Listener is not served', gen));
    conds.push(cond('Conflicted', false, 'NoConflicts', 'No conflicts', gen));
    return {
      name: l.name,
      supportedKinds: supported ? [{ group: gatewayGroup, kind: 'HTTPRoute' }] : [],
      attachedRoutes: attached.filter((a) => a.listeners.includes(l.name)).length,
      conditions: conds,
    };
  });
  const programmed = !!address;
  return {
    conditions: [
      cond('Accepted', true, 'Accepted', 'Gateway is accepted', gen),
      cond('Programmed', programmed, programmed ? 'Programmed' : 'AddressNotAssigned', programmed ? `Gateway is served at ${address}` : 'the controller Service has no load-balancer address yet', gen),
    ],
    ...(address ? { addresses: [{ type: 'IPAddress', value: address }] } : {}),
    listeners,
  };
}

/** status.parents entries this controller owns, one per parentRef naming one of our Gateways. */
export function httpRouteParents(c: Cluster, route: HTTPRoute): { parentRef: NonNullable<HTTPRoute['spec']['parentRefs']>[number]; controllerName: string; conditions: Cond[] }[] {
  const gateways = ourGateways(c);
  const gen = route.metadata.generation;
  const attached = attachments(c).filter((a) => a.route === route);
  const out = [];
  for (const ref of route.spec.parentRefs ?? []) {
    const ns = ref.namespace ?? route.metadata.namespace;
    const gw = gateways.find((g) => g.metadata.name === ref.name && g.metadata.namespace === ns);
    if (!gw) continue;
    const ok = attached.some((a) => a.gateway === gw);
    const hostsMatch = gw.spec.listeners.some((l) => !l.hostname || (route.spec.hostnames ?? []).length === 0 || (route.spec.hostnames ?? []).some((h) => suffixMatches(l.hostname!, h) || suffixMatches(h, l.hostname!)));
    const accepted = ok ? cond('Accepted', true, 'Accepted', 'Route is accepted', gen) : hostsMatch ? cond('Accepted', false, 'NotAllowedByListeners', 'no listener of the Gateway allows this route', gen) : cond('Accepted', false, 'NoMatchingListenerHostname', 'no listener hostname matches the route', gen);
    const problems = (route.spec.rules ?? []).flatMap((r) => r.backendRefs ?? []).map((b) => [b, backendRefProblem(c, route, b)] as const);
    const [ref0, problem] = problems.find(([, p]) => p) ?? [];
    const messages = { InvalidKind: 'is not a Service with a port', RefNotPermitted: 'is in another namespace and no ReferenceGrant allows it', BackendNotFound: 'is not found' };
    const resolved = problem ? cond('ResolvedRefs', false, problem, `backendRef ${ref0!.namespace ?? route.metadata.namespace}/${ref0!.name} ${messages[problem]}`, gen) : cond('ResolvedRefs', true, 'ResolvedRefs', 'All references resolved', gen);
    out.push({ parentRef: ref, controllerName: GATEWAY_CONTROLLER, conditions: [accepted, resolved] });
  }
  return out;
}
