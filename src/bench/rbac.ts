// `lab bench rbac`: what RBAC costs a request when the cluster holds many
// bindings. An API server's store (no lab needed) gets N RoleBindings, one per
// ServiceAccount across namespaces, and N/10 ClusterRoleBindings to groups,
// besides the bootstrap policy; then the authorizer answers allowed and denied
// requests, timed over many calls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { assemble } from '../apiserver/assemble.js';
import type { Attributes } from '../apiserver/auth/user.js';
import { type Command, parse } from '../cli/args.js';
import { home } from '../lab/state.js';
import { table } from '../lab/status.js';
import { positive, writeResults } from './pods.js';

const g = 'rbac.authorization.k8s.io';

interface RbacBenchResult {
  roleBindings: number;
  clusterRoleBindings: number;
  calls: number;
  /** Microseconds per authorization, by case. */
  microsPerCall: Record<string, number>;
}

async function fill(store: Awaited<ReturnType<typeof assemble>>['store'], bindings: number): Promise<void> {
  const namespaces = Math.max(1, Math.floor(bindings / 10));
  const writes: Promise<unknown>[] = [];
  const flush = async (): Promise<void> => {
    await Promise.all(writes);
    writes.length = 0;
  };
  for (let i = 0; i < bindings; i++) {
    const ns = `ns-${i % namespaces}`;
    const obj = { apiVersion: `${g}/v1`, kind: 'RoleBinding', metadata: { name: `rb-${i}`, namespace: ns }, roleRef: { apiGroup: g, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: `sa-${i}`, namespace: ns }] };
    writes.push(store.write('put', `${g}/rolebindings`, `${ns}/rb-${i}`, obj));
    if (writes.length >= 1000) await flush();
  }
  for (let i = 0; i < bindings / 10; i++) {
    const obj = { apiVersion: `${g}/v1`, kind: 'ClusterRoleBinding', metadata: { name: `crb-${i}` }, roleRef: { apiGroup: g, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', apiGroup: g, name: `team-${i}` }] };
    writes.push(store.write('put', `${g}/clusterrolebindings`, `crb-${i}`, obj));
    if (writes.length >= 1000) await flush();
  }
  await flush();
}

async function runBenchRbac(o: { bindings: number; calls: number; out: string }): Promise<RbacBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-bench-rbac-'));
  const { store, server } = await assemble({ stateDir: dir, authorizationMode: 'RBAC' });
  try {
    await fill(store, o.bindings);
    const namespaces = Math.max(1, Math.floor(o.bindings / 10));
    const last = o.bindings - 1;
    const ns = `ns-${last % namespaces}`;
    const sa = { username: `system:serviceaccount:${ns}:sa-${last}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] };
    const ask = (user: Attributes['user'], verb: string, resource: string, namespace?: string): Attributes => ({ user, verb, resourceRequest: true, path: '', apiGroup: '', resource, namespace });
    const cases: Record<string, Attributes> = {
      'ServiceAccount, allowed (list pods in its namespace)': ask(sa, 'list', 'pods', ns),
      'ServiceAccount, denied (delete pods)': ask(sa, 'delete', 'pods', ns),
      'group member, allowed cluster-wide (get services)': ask({ username: 'dev', groups: ['team-7', 'system:authenticated'] }, 'get', 'services', 'ns-1'),
      'node, allowed (patch pods/status)': { ...ask({ username: 'system:node:node1', groups: ['system:nodes', 'system:authenticated'] }, 'patch', 'pods', 'ns-1'), subresource: 'status' },
      'system:masters': ask({ username: 'admin', groups: ['system:masters'] }, 'delete', 'nodes'),
    };
    const microsPerCall: Record<string, number> = {};
    for (const [name, a] of Object.entries(cases)) {
      for (let i = 0; i < 1000; i++) server.authorizer.authorize(a); // warm up
      const start = performance.now();
      for (let i = 0; i < o.calls; i++) server.authorizer.authorize(a);
      microsPerCall[name] = Math.round(((performance.now() - start) * 1000 * 100) / o.calls) / 100;
    }
    const result: RbacBenchResult = { roleBindings: store.count(`${g}/rolebindings`), clusterRoleBindings: store.count(`${g}/clusterrolebindings`), calls: o.calls, microsPerCall };
    writeResults(o.out, 'rbac', result);
    console.log(`${result.roleBindings} RoleBindings, ${result.clusterRoleBindings} ClusterRoleBindings; ${o.calls} calls per case`);
    console.log(table([['CASE', 'µs/AUTHORIZATION'], ...Object.entries(microsPerCall).map(([k, v]) => [k, String(v)])]));
    return result;
  } finally {
    server.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const benchRbac: Command = {
  summary: 'the cost of one RBAC authorization with N RoleBindings (and N/10 ClusterRoleBindings) stored',
  usage: '[--bindings 10000] [--calls 100000] [--out bench-results/rbac.json]',
  async run(argv) {
    const { values } = parse('bench rbac', argv, {
      bindings: { type: 'string', default: '10000' },
      calls: { type: 'string', default: '100000' },
      out: { type: 'string', default: `${home}/bench-results/rbac.json` },
    });
    await runBenchRbac({ bindings: positive('bench rbac', 'bindings', values.bindings), calls: positive('bench rbac', 'calls', values.calls), out: values.out });
  },
};
