// `kubectl get ingresses|ingressclasses` (upstream's printers) and the Gateway API kinds
// (the additionalPrinterColumns of its CRDs).
import type { Condition, Gateway, GatewayClass, HTTPRoute, Ingress, IngressClass } from '../../api/networking.js';
import { getCondition } from '../../api/conditions.js';
import { since } from './age.js';
import type { Printer } from './table.js';

/** formatHosts: the rules' hosts, three at most, "*" when no rule names one. */
function hostsCell(ing: Ingress): string {
  const hosts = (ing.spec.rules ?? []).map((r) => r.host ?? '').filter(Boolean);
  if (hosts.length === 0) return '*';
  const shown = hosts.slice(0, 3).join(',');
  return hosts.length > 3 ? `${shown} + ${hosts.length - 3} more...` : shown;
}

function addressCell(ing: Ingress): string {
  return (ing.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean).join(',');
}

export const ingressPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Class', type: 'string' },
    { name: 'Hosts', type: 'string' },
    { name: 'Address', type: 'string' },
    { name: 'Ports', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const ing = obj as Ingress;
    return [ing.metadata.name!, ing.spec.ingressClassName ?? '<none>', hostsCell(ing), addressCell(ing), (ing.spec.tls ?? []).length > 0 ? '80, 443' : '80', since(ing.metadata.creationTimestamp, now)];
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Controller', type: 'string' },
    { name: 'Parameters', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const ic = obj as IngressClass;
    const p = ic.spec.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic.metadata.name!, ic.spec.controller ?? '', parameters, since(ic.metadata.creationTimestamp, now)];
  },
};

const conditionStatus = (obj: { status?: { conditions?: Condition[] } }, type: string): string => getCondition(obj, type)?.status ?? 'Unknown';

export const gatewayClassPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Controller', type: 'string' },
    { name: 'Accepted', type: 'string' },
    { name: 'Age', type: 'string' },
    { name: 'Description', type: 'string', priority: 1 },
  ],
  cells(obj, now) {
    const gc = obj as GatewayClass;
    return [gc.metadata.name!, gc.spec.controllerName, conditionStatus(gc, 'Accepted'), since(gc.metadata.creationTimestamp, now), gc.spec.description ?? ''];
  },
};

export const gatewayPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Class', type: 'string' },
    { name: 'Address', type: 'string' },
    { name: 'Programmed', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const gw = obj as Gateway;
    return [gw.metadata.name!, gw.spec.gatewayClassName, gw.status?.addresses?.[0]?.value ?? '', conditionStatus(gw, 'Programmed'), since(gw.metadata.creationTimestamp, now)];
  },
};

export const httpRoutePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Hostnames', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const r = obj as HTTPRoute;
    return [r.metadata.name!, JSON.stringify(r.spec.hostnames ?? []), since(r.metadata.creationTimestamp, now)];
  },
};
