// `kubectl get configmaps|secrets|serviceaccounts`: the columns of upstream's printers.
import type { ConfigMap, Secret, ServiceAccount } from '../../api/types.js';
import { since } from './age.js';
import type { Printer } from './table.js';

const count = (...maps: (object | undefined)[]): number => maps.reduce((n: number, m) => n + Object.keys(m ?? {}).length, 0);

export const configMapPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Data', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const cm = obj as ConfigMap;
    return [cm.metadata.name!, count(cm.data, cm.binaryData), since(cm.metadata.creationTimestamp, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Type', type: 'string' },
    { name: 'Data', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const s = obj as Secret;
    return [s.metadata.name!, s.type ?? '', count(s.data), since(s.metadata.creationTimestamp, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Secrets', type: 'string' },
    { name: 'Age', type: 'string' },
  ],
  cells(obj, now) {
    const sa = obj as ServiceAccount;
    return [sa.metadata.name!, (sa.secrets ?? []).length, since(sa.metadata.creationTimestamp, now)];
  },
};
