// `kubectl get nodes|namespaces|events|leases`, and NAME/AGE for anything else.
import { readyCondition } from '../../api/conditions.js';
import type { Event, KubeObject, Lease, Namespace, Node } from '../../api/types.js';
import { since } from './age.js';
import type { Printer } from './table.js';

const nodeRolePrefix = 'node-role.kubernetes.io/';

function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith(nodeRolePrefix) && k.length > nodeRolePrefix.length) roles.add(k.slice(nodeRolePrefix.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

function nodeStatus(node: Node): string {
  const ready = readyCondition(node);
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const address = (node: Node, type: string): string => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

export const nodePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Status', type: 'string' },
    { name: 'Roles', type: 'string' },
    { name: 'Age', type: 'string' },
    { name: 'Version', type: 'string' },
    { name: 'Internal-IP', type: 'string', priority: 1 },
    { name: 'External-IP', type: 'string', priority: 1 },
    { name: 'OS-Image', type: 'string', priority: 1 },
    { name: 'Kernel-Version', type: 'string', priority: 1 },
    { name: 'Container-Runtime', type: 'string', priority: 1 },
  ],
  cells(obj, now) {
    const node = obj as Node;
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name!,
      nodeStatus(node),
      nodeRoles(node),
      since(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const namespacePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Status', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    return [obj.metadata.name!, (obj as Namespace).status?.phase ?? '', since(obj.metadata.creationTimestamp, now)];
  },
};

export const eventPrinter: Printer = {
  columns: [
    { name: 'Last Seen', type: 'string' },
    { name: 'Type', type: 'string' },
    { name: 'Reason', type: 'string' },
    { name: 'Object', type: 'string' },
    { name: 'Subobject', type: 'string', priority: 1 },
    { name: 'Source', type: 'string', priority: 1 },
    { name: 'Message', type: 'string' },
    { name: 'First Seen', type: 'string', priority: 1 },
    { name: 'Count', type: 'string', priority: 1 },
    { name: 'Name', type: 'string', priority: 1, format: 'name' },
  ],
  cells(obj, now) {
    const e = obj as Event & { eventTime?: string; series?: { count?: number; lastObservedTime?: string } };
    const first = since(e.firstTimestamp || e.eventTime, now);
    const last = e.series?.lastObservedTime ? since(e.series.lastObservedTime, now) : e.lastTimestamp ? since(e.lastTimestamp, now) : first;
    const count = e.series?.count ?? (e.count || 1);
    const ref = e.involvedObject ?? {};
    const kind = (ref.kind ?? '').toLowerCase();
    const component = e.source?.component || e.reportingComponent || '';
    const host = e.source?.host || e.reportingInstance || '';
    return [
      last,
      e.type ?? '',
      e.reason ?? '',
      ref.name ? `${kind}/${ref.name}` : kind,
      ref.fieldPath ?? '',
      host ? `${component}, ${host}` : component,
      (e.message ?? '').trim(),
      first,
      count,
      e.metadata.name!,
    ];
  },
};

export const leasePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Holder', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    return [obj.metadata.name!, (obj as Lease).spec?.holderIdentity ?? '', since(obj.metadata.creationTimestamp, now)];
  },
};

export const genericPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj: KubeObject, now) {
    return [obj.metadata.name!, since(obj.metadata.creationTimestamp, now)];
  },
};
