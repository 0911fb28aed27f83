// Gateway API objects: the CRDs' defaults and validation; status is written by the controller.
import type { Gateway, GatewayClass, HTTPRoute } from '../../api/networking.js';
import { types } from '../../api/resources.js';
import { defaultGateway, defaultHTTPRoute, validateGateway, validateGatewayClass, validateHTTPRoute } from '../../api/validation/gateway.js';
import type { Strategy } from '../registry.js';

export const gatewayClassStrategy: Strategy = {
  type: types.gatewayclasses,
  prepareCreate: (obj) => void delete obj.status,
  validate: (obj, old) => validateGatewayClass(obj as GatewayClass, old as GatewayClass | undefined),
};

export const gatewayStrategy: Strategy = {
  type: types.gateways,
  prepareCreate: (obj) => void delete obj.status,
  defaults: (obj) => defaultGateway(obj as Gateway),
  validate: (obj) => validateGateway(obj as Gateway),
};

export const httpRouteStrategy: Strategy = {
  type: types.httproutes,
  prepareCreate: (obj) => void delete obj.status,
  defaults: (obj) => defaultHTTPRoute(obj as HTTPRoute),
  validate: (obj) => validateHTTPRoute(obj as HTTPRoute),
};
