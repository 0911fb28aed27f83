// `kubectl get roles|clusterroles|rolebindings|clusterrolebindings`: upstream's columns.
import type { RoleBinding } from '../../api/types.js';
import { since } from './age.js';
import type { Printer } from './table.js';

export const rolePrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Created At', type: 'date' },
  ],
  cells(obj) {
    const created = obj.metadata.creationTimestamp;
    return [obj.metadata.name!, created ? new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z') : ''];
  },
};

function subjects(b: RoleBinding, kind: string): string {
  return (b.subjects ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}:${s.name}` : s.name))
    .join(', ');
}

export const bindingPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Role', type: 'string' },
    { name: 'Age', type: 'string' },
    { name: 'Users', type: 'string', priority: 1 },
    { name: 'Groups', type: 'string', priority: 1 },
    { name: 'ServiceAccounts', type: 'string', priority: 1 },
  ],
  cells(obj, now) {
    const b = obj as RoleBinding;
    return [b.metadata.name!, `${b.roleRef?.kind}/${b.roleRef?.name}`, since(b.metadata.creationTimestamp, now), subjects(b, 'User'), subjects(b, 'Group'), subjects(b, 'ServiceAccount')];
  },
};
