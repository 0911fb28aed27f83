// ConfigMaps, Secrets and ServiceAccounts: decoded like upstream (base64 data,
// stringData folded into data), Secret type defaulting to Opaque, validated.
import { types } from '../../api/resources.js';
import type { ConfigMap, Secret, ServiceAccount } from '../../api/types.js';
import { decodeConfigMap, decodeSecret, validateConfigMap, validateSecret, validateServiceAccount } from '../../api/validation/config.js';
import type { Strategy } from '../registry.js';

export const configMapStrategy: Strategy = {
  type: types.configmaps,
  decode: decodeConfigMap,
  validate: (obj, old) => validateConfigMap(obj as ConfigMap, old as ConfigMap | undefined),
};

export const secretStrategy: Strategy = {
  type: types.secrets,
  decode: decodeSecret,
  defaults(obj) {
    const secret = obj as Secret;
    if (!secret.type) secret.type = 'Opaque';
  },
  validate: (obj, old) => validateSecret(obj as Secret, old as Secret | undefined),
};

export const serviceAccountStrategy: Strategy = {
  type: types.serviceaccounts,
  validate: (obj) => validateServiceAccount(obj as ServiceAccount),
};
