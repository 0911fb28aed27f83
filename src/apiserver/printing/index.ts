// Server-side printing: the printer of each resource type, and the Table a
// request gets instead of objects when it asks for one.
import { typeKey, type ResourceType } from '../../api/resources.js';
import type { KubeObject, WatchEvent } from '../../api/types.js';
import { csrPrinter } from './certificates.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { eventPrinter, genericPrinter, leasePrinter, namespacePrinter, nodePrinter } from './cluster.js';
import { gatewayClassPrinter, gatewayPrinter, httpRoutePrinter, ingressClassPrinter, ingressPrinter } from './networking.js';
import { hostPrinter } from './hosts.js';
import { podPrinter } from './pod.js';
import { bindingPrinter, rolePrinter } from './rbac.js';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './service.js';
import { toTable, type Printer, type TableRequest } from './table.js';
import { deploymentPrinter, replicaSetPrinter } from './workload.js';

export { tableRequested, type TableRequest } from './table.js';

const printers: Record<string, Printer> = {
  'core/pods': podPrinter,
  'core/services': servicePrinter,
  'core/endpoints': endpointsPrinter,
  'discovery.k8s.io/endpointslices': endpointSlicePrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  'core/nodes': nodePrinter,
  'core/namespaces': namespacePrinter,
  'core/events': eventPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'networking.k8s.io/ingresses': ingressPrinter,
  'networking.k8s.io/ingressclasses': ingressClassPrinter,
  'gateway.networking.k8s.io/gatewayclasses': gatewayClassPrinter,
  'gateway.networking.k8s.io/gateways': gatewayPrinter,
  'gateway.networking.k8s.io/httproutes': httpRoutePrinter,
  'hosts.svclab.io/hosts': hostPrinter,
  'core/configmaps': configMapPrinter,
  'core/secrets': secretPrinter,
  'core/serviceaccounts': serviceAccountPrinter,
  'rbac.authorization.k8s.io/roles': rolePrinter,
  'rbac.authorization.k8s.io/clusterroles': rolePrinter,
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter,
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter,
  'certificates.k8s.io/certificatesigningrequests': csrPrinter,
};

function printerFor(t: ResourceType): Printer {
  return printers[typeKey(t)] ?? genericPrinter;
}

export function asTable(t: ResourceType, objects: KubeObject[], req: TableRequest, resourceVersion: string): unknown {
  return toTable(printerFor(t), objects, req, { resourceVersion });
}

/** Watch events whose objects are one-row Tables; only the first carries the columns. */
export function tableEvents(t: ResourceType, req: TableRequest): (event: WatchEvent) => unknown {
  const printer = printerFor(t);
  let first = true;
  return (event) => {
    if (event.type === 'ERROR') return event;
    const rows = event.type === 'BOOKMARK' ? [] : [event.object];
    const object = toTable(printer, rows, req, { resourceVersion: event.object.metadata.resourceVersion ?? '', withColumns: first && rows.length > 0 });
    if (rows.length > 0) first = false;
    return { type: event.type, object };
  };
}
