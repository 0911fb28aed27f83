// Kubernetes Status errors. Every failure the API server returns is one of these,
// so kubectl prints the same text a real cluster would.

type CauseReason =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound';

export interface StatusCause {
  reason: CauseReason | string;
  message: string;
  field?: string;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number; uid?: string };
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'ApiError';
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason;
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new ApiError(status);
}

/** `pods "web" not found`, with group-qualified resource like `deployments.apps "x" not found`. */
export function notFound(resource: string, name: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(404, 'NotFound', `${qualified} "${name}" not found`, { name, group: group || undefined, kind: resource });
}

export function alreadyExists(resource: string, name: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(409, 'AlreadyExists', `${qualified} "${name}" already exists`, { name, group: group || undefined, kind: resource });
}

export function conflict(resource: string, name: string, why: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified} "${name}": ${why}`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function staleConflict(resource: string, name: string, group = ''): ApiError {
  return conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again', group);
}

/** 422 with field causes: `Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be ...`. */
export function invalid(kind: string, name: string, causes: StatusCause[], group = ''): ApiError {
  const texts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const summary = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group: group || undefined,
    kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return failure(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/json-patch+json (got ${contentType})`);
}

export function notAcceptable(accepted: string[]): ApiError {
  return failure(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
}

/** A body over --max-request-body-bytes ("limit is N"), or a JSON patch of too many operations. */
export function requestEntityTooLarge(detail: string): ApiError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: ${detail}`);
}

/** The watch cache's answer to a resourceVersion it has not reached (storage.NewTooLargeResourceVersionError). */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return failure(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}

export function gone(message: string): ApiError {
  return failure(410, 'Expired', message);
}

/** Bad or unknown credentials: upstream answers this, never saying which check failed. */
export function unauthorized(): ApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** `pods "web" is forbidden: why`, group-qualified as notFound. */
export function forbidden(resource: string, name: string, why: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(403, 'Forbidden', `${qualified} "${name}" is forbidden: ${why}`, { name, ...(group ? { group } : {}), kind: resource });
}

export function serviceUnavailable(message: string): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

export function internalError(message: string): ApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function notFoundPath(): ApiError {
  return failure(404, 'NotFound', 'the server could not find the requested resource');
}

export function successStatus(details?: Status['details']): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', code: 200 };
  if (details) status.details = details;
  return status;
}
