// Manifests to objects, and the lab's own small apply: each object is created, or
// replaced when it exists. Used by `lab apply -f FILE` and the scenarios' apply steps.
import fs from 'node:fs';
import YAML from 'yaml';
import { ApiError } from '../api/errors.js';
import { findKind } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { UserError } from '../util/errors.js';
import { ApiClient, type Connection } from './client.js';

/** A manifest file that is not YAML. */
export class ManifestError extends UserError {}

/**
 * The objects of a multi-document YAML text, a List's items in its place. With `source` (the file it came
 * from), a YAML error throws a ManifestError naming it; without, broken documents are taken as they parse.
 */
export function parseManifests(text: string, source?: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (source !== undefined && doc.errors.length) throw new ManifestError(`${source}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (!value) continue;
    const items = (value as { kind?: string; items?: KubeObject[] }).kind === 'List' ? ((value as { items?: KubeObject[] }).items ?? []) : [value];
    out.push(...items);
  }
  return out;
}

/** The objects of a manifest file (`-`: standard input). */
export function readManifests(file: string): KubeObject[] {
  return parseManifests(file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8'), file);
}

export async function applyObjects(api: Connection, objects: KubeObject[], namespace: string, log: (line: string) => void): Promise<number> {
  const client = new ApiClient(api);
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
