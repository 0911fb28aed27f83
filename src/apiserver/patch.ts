// Patch formats other than strategic merge: RFC 7386 JSON merge patch and RFC 6902 JSON patch.
import jsonpatch from 'fast-json-patch';
import { badRequest, invalid, requestEntityTooLarge, unsupportedMediaType } from '../api/errors.js';

/** The patch handler's maxJSONPatchOperations. */
const maxJsonPatchOperations = 10000;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function applyJsonPatch(target: unknown, ops: unknown, kind: string, name: string): unknown {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  if (ops.length > maxJsonPatchOperations) {
    throw requestEntityTooLarge(`The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${ops.length}`);
  }
  try {
    return jsonpatch.applyPatch(structuredClone(target), ops as jsonpatch.Operation[], true, false).newDocument;
  } catch (e) {
    const err = e as Error & { name?: string };
    if (err.name === 'TEST_OPERATION_FAILED') throw invalid(kind, name, [{ reason: 'FieldValueInvalid', message: `the server rejected our request due to an error in our request` }]);
    throw badRequest(`the server rejected our request due to an error in our request: ${err.message.split('\n')[0]}`);
  }
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw unsupportedMediaType(ct || '(none)');
  }
}
