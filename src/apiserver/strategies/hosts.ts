// Hosts: the requester is recorded on create (svclab.io/requested-by, read by the CSR approver);
// status (the control plane's allocation) is written only through /status.
import { requestedByAnnotation, type Host } from '../../api/hosts.js';
import { types } from '../../api/resources.js';
import { validateHost } from '../../api/validation/hosts.js';
import type { Strategy } from '../registry.js';

export const hostStrategy: Strategy = {
  type: types.hosts,
  prepareCreate(obj, requester) {
    delete obj.status;
    const annotations = { ...(obj.metadata.annotations ?? {}) };
    // Never taken from the body: only the API server says who asked.
    delete annotations[requestedByAnnotation];
    if (requester) annotations[requestedByAnnotation] = requester.username;
    obj.metadata.annotations = annotations;
  },
  prepareUpdate(obj, old) {
    const annotations = { ...(obj.metadata.annotations ?? {}) };
    const was = old.metadata.annotations?.[requestedByAnnotation];
    if (was === undefined) delete annotations[requestedByAnnotation];
    else annotations[requestedByAnnotation] = was;
    obj.metadata.annotations = annotations;
  },
  validate: (obj, old) => validateHost(obj as Host, old as Host | undefined),
};
