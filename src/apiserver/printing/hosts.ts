// `kubectl get hosts`: NAME ADDRESS NODES AGE (svclab's own kind; -o wide adds the allocated node names).
import type { Host } from '../../api/hosts.js';
import { since } from './age.js';
import type { Printer } from './table.js';

export const hostPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Address', type: 'string' },
    { name: 'Nodes', type: 'integer' },
    { name: 'Age', type: 'string' },
    { name: 'Allocated', type: 'string', priority: 1 },
  ],
  cells(obj, now) {
    const host = obj as Host;
    const allocated = (host.status?.nodes ?? []).map((n) => n.name).join(',');
    return [host.metadata.name!, host.spec.address, host.spec.nodes, since(host.metadata.creationTimestamp, now), allocated || '<none>'];
  },
};
