// `kubectl get deployments|replicasets`.
import type { Deployment, ReplicaSet } from '../../api/types.js';
import { since } from './age.js';
import { containerCells, formatSelector } from './format.js';
import type { Printer } from './table.js';

const wideWorkloadColumns = [
  { name: 'Containers', type: 'string', priority: 1 },
  { name: 'Images', type: 'string', priority: 1 },
  { name: 'Selector', type: 'string', priority: 1 },
] as const;

export const deploymentPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Ready', type: 'string' },
    { name: 'Up-to-date', type: 'string' },
    { name: 'Available', type: 'string' },
    { name: 'Age', type: 'string' },
    ...wideWorkloadColumns,
  ],
  cells(obj, now) {
    const d = obj as Deployment;
    const status = d.status ?? {};
    return [
      d.metadata.name!,
      `${status.readyReplicas ?? 0}/${d.spec.replicas ?? 1}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      since(d.metadata.creationTimestamp, now),
      ...containerCells(d.spec.template?.spec?.containers),
      formatSelector(d.spec.selector),
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Desired', type: 'integer' },
    { name: 'Current', type: 'integer' },
    { name: 'Ready', type: 'integer' },
    { name: 'Age', type: 'string' },
    ...wideWorkloadColumns,
  ],
  cells(obj, now) {
    const rs = obj as ReplicaSet;
    return [
      rs.metadata.name!,
      rs.spec.replicas ?? 1,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      since(rs.metadata.creationTimestamp, now),
      ...containerCells(rs.spec.template?.spec?.containers),
      formatSelector(rs.spec.selector) || '<none>',
    ];
  },
};
