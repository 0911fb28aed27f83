// `lab apply -f FILE`: creates each object of a multi-document YAML file, or
// replaces it when it exists (the lab's own small apply; kubectl apply works too).
import fs from 'node:fs';
import YAML from 'yaml';
import { ApiError } from '../api/errors.js';
import { findKind } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { NoSuchLab, readState, serverUrl } from '../lab/state.js';
import { UsageError } from './args.js';

export function readManifests(file: string): KubeObject[] {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  const docs = YAML.parseAllDocuments(text);
  const out: KubeObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new UsageError(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (!value) continue;
    const items = (value as { kind?: string; items?: KubeObject[] }).kind === 'List' ? ((value as { items?: KubeObject[] }).items ?? []) : [value];
    out.push(...items);
  }
  return out;
}

export async function applyObjects(server: string, objects: KubeObject[], namespace: string, log: (line: string) => void): Promise<number> {
  const client = new ApiClient({ server });
  let failures = 0;
  try {
    for (const obj of objects) {
      const t = findKind(String(obj.apiVersion), String(obj.kind));
      const label = `${String(obj.kind).toLowerCase()}${t?.group ? `.${t.group}` : ''}/${obj.metadata?.name ?? ''}`;
      if (!t) {
        log(`error: resource mapping not found for name: "${obj.metadata?.name}" kind: "${obj.kind}" in version "${obj.apiVersion}"`);
        failures++;
        continue;
      }
      const ns = t.namespaced ? (obj.metadata.namespace ?? namespace) : undefined;
      try {
        try {
          const current = await client.get(t, obj.metadata.name!, ns);
          const next = { ...obj, metadata: { ...obj.metadata, namespace: ns, resourceVersion: current.metadata.resourceVersion } };
          const updated = await client.update(t, next);
          log(`${label} ${updated.metadata.resourceVersion === current.metadata.resourceVersion ? 'unchanged' : 'configured'}`);
        } catch (e) {
          if (!(e instanceof ApiError) || e.code !== 404) throw e;
          await client.create(t, obj, ns);
          log(`${label} created`);
        }
      } catch (e) {
        log(`Error from server (${e instanceof ApiError ? e.reason : 'Unknown'}): ${(e as Error).message}`);
        failures++;
      }
    }
  } finally {
    client.close();
  }
  return failures;
}

export async function applyCommand(lab: string, files: string[], namespace: string): Promise<number> {
  const state = readState(lab);
  if (!state) throw new NoSuchLab(`no lab named "${lab}"`);
  const objects = files.flatMap(readManifests);
  const failures = await applyObjects(serverUrl(state), objects, namespace, (l) => console.log(l));
  return failures > 0 ? 1 : 0;
}
