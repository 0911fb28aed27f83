// `lab apply -f FILE`: creates each object of a multi-document YAML file, or
// replaces it when it exists (the lab's own small apply; kubectl apply works too).
import { applyObjects, ManifestError, readManifests } from '../client/apply.js';
import type { KubeObject } from '../api/types.js';
import { adminConnection } from '../lab/credentials.js';
import { NoSuchLab, readState } from '../lab/state.js';
import { UsageError } from './args.js';

function manifests(file: string): KubeObject[] {
  try {
    return readManifests(file);
  } catch (e) {
    if (e instanceof ManifestError) throw new UsageError(e.message);
    throw e;
  }
}

export async function applyCommand(lab: string, files: string[], namespace: string): Promise<number> {
  const state = readState(lab);
  if (!state) throw new NoSuchLab(`no lab named "${lab}"`);
  const objects = files.flatMap(manifests);
  const failures = await applyObjects(adminConnection(state), objects, namespace, (l) => console.log(l));
  return failures > 0 ? 1 : 0;
}
