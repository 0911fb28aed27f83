// Discovery documents: /api, /apis, /api/v1, /apis/<group>/<version>, /version.
import { apiVersionOf, resourceTypes, type ResourceType } from '../api/resources.js';

const defaultVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-svclab',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

function groups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of resourceTypes) {
    if (!t.group) continue;
    const versions = out.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    out.set(t.group, versions);
  }
  return out;
}

function groupDoc(name: string, versions: string[]): unknown {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(): unknown {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups()].map(([n, v]) => groupDoc(n, v)) };
}

export function apiGroup(name: string): unknown | undefined {
  const versions = groups().get(name);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...(groupDoc(name, versions) as object) } : undefined;
}

const subresourceShapes: Record<string, Record<string, unknown>> = {
  scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  log: { kind: 'Pod', verbs: ['get'] },
  binding: { kind: 'Binding', verbs: ['create'] },
  token: { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
};

function resourceEntries(t: ResourceType): unknown[] {
  const main: Record<string, unknown> = {
    name: t.plural,
    singularName: t.singular,
    namespaced: t.namespaced,
    kind: t.kind,
    verbs: t.verbs ?? defaultVerbs,
  };
  if (t.shortNames) main.shortNames = t.shortNames;
  if (t.categories) main.categories = t.categories;
  const subs = (t.subresources ?? []).map((sub) => ({
    name: `${t.plural}/${sub}`,
    singularName: '',
    namespaced: t.namespaced,
    ...(subresourceShapes[sub] ?? { kind: t.kind, verbs: ['get', 'patch', 'update'] }),
  }));
  return [main, ...subs];
}

export function apiResourceList(group: string, version: string): unknown | undefined {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf(types[0]!),
    resources: types.flatMap(resourceEntries),
  };
}
