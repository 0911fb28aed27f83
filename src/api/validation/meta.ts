// ObjectMeta validation shared by every resource (ValidateObjectMeta upstream).
import type { ObjectMeta } from '../types.js';
import { fieldErrors, type FieldError } from './field.js';
import { labelValue, qualifiedName } from './names.js';

export type NameValidator = (name: string) => string[];

export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, nameFn: NameValidator): FieldError[] {
  const errs: FieldError[] = [];
  if (!meta.name) {
    if (!meta.generateName) errs.push(fieldErrors.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of nameFn(meta.name)) errs.push(fieldErrors.invalid('metadata.name', meta.name, msg));
  }
  if (namespaced && !meta.namespace) errs.push(fieldErrors.required('metadata.namespace'));
  if (!namespaced && meta.namespace) errs.push(fieldErrors.forbidden('metadata.namespace', 'not allowed on this type'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  for (const key of Object.keys(meta.annotations ?? {})) {
    for (const msg of qualifiedName(key.toLowerCase())) errs.push(fieldErrors.invalid('metadata.annotations', key, msg));
  }
  const annotationBytes = Object.entries(meta.annotations ?? {}).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (annotationBytes > 256 * 1024) errs.push(fieldErrors.tooLong('metadata.annotations', 256 * 1024));
  return errs;
}

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const msg of qualifiedName(key)) errs.push(fieldErrors.invalid(field, key, msg));
    if (typeof value !== 'string') {
      errs.push(fieldErrors.invalid(field, value, 'label values must be strings'));
      continue;
    }
    for (const msg of labelValue(value)) errs.push(fieldErrors.invalid(field, value, msg));
  }
  return errs;
}
