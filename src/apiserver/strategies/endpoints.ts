// Endpoints and EndpointSlices: written by the controllers for selector
// services, by users for selector-less ones; validated with upstream's rules.
import { defaultEndpoints, defaultEndpointSlice } from '../../api/defaults/service.js';
import { types } from '../../api/resources.js';
import type { Endpoints, EndpointSlice } from '../../api/types.js';
import { validateEndpoints, validateEndpointSlice, validateEndpointSliceName, validateEndpointsName } from '../../api/validation/endpoints.js';
import type { Strategy } from '../registry.js';

export const endpointsStrategy: Strategy = {
  type: types.endpoints,
  validateName: validateEndpointsName,
  defaults: (obj) => defaultEndpoints(obj as Endpoints),
  validate: (obj) => validateEndpoints(obj as Endpoints),
};

export const endpointSliceStrategy: Strategy = {
  type: types.endpointslices,
  validateName: validateEndpointSliceName,
  defaults: (obj) => defaultEndpointSlice(obj as EndpointSlice),
  validate: (obj) => validateEndpointSlice(obj as EndpointSlice),
};
