// Events: written by components, read by `kubectl describe`.
import { findType } from '../../api/resources.js';
import type { Event } from '../../api/types.js';
import { fieldErrors, type FieldError } from '../../api/validation/field.js';
import type { Strategy } from '../registry.js';

export const eventStrategy: Strategy = {
  type: findType('', 'v1', 'events')!,
  validate(obj): FieldError[] {
    const ev = obj as Event;
    const errs: FieldError[] = [];
    if (!ev.involvedObject) errs.push(fieldErrors.required('involvedObject'));
    else if (ev.involvedObject.namespace && ev.involvedObject.namespace !== ev.metadata.namespace) {
      errs.push(fieldErrors.invalid('involvedObject.namespace', ev.involvedObject.namespace, 'does not match event.namespace'));
    }
    return errs;
  },
};
