// Ingresses and IngressClasses, with the DefaultIngressClass admission plugin's defaulting:
// a class-less Ingress gets the class annotated as default; more than one default refuses it.
import { forbidden, internalError } from '../../api/errors.js';
import { defaultIngressClassAnnotation, ingressClassAnnotation, type Ingress, type IngressClass } from '../../api/networking.js';
import { typeKey, types } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { validateIngress, validateIngressClass, validateIngressClassName, validateIngressName } from '../../api/validation/ingress.js';
import type { ObjectStore } from '../store.js';
import type { Strategy } from '../registry.js';

function defaultIngressClass(classes: IngressClass[], ing: Ingress): string | undefined {
  if (ing.spec?.ingressClassName != null || ing.metadata.annotations?.[ingressClassAnnotation] !== undefined) return undefined;
  const defaults = classes.filter((c) => c.metadata.annotations?.[defaultIngressClassAnnotation] === 'true');
  if (defaults.length > 1) {
    throw forbidden('ingresses.networking.k8s.io', ing.metadata.name ?? '', internalError(`${defaults.length} default IngressClasses were found, only 1 allowed`).message);
  }
  return defaults[0]?.metadata.name;
}

export function ingressStrategy(store: ObjectStore): Strategy {
  return {
    type: types.ingresses,
    validateName: validateIngressName,
    prepareCreate(obj: KubeObject) {
      const ing = obj as Ingress;
      ing.spec ??= {};
      ing.status = { loadBalancer: {} };
      const cls = defaultIngressClass(store.list(typeKey(types.ingressclasses)) as IngressClass[], ing);
      if (cls) ing.spec.ingressClassName = cls;
    },
    validate: (obj, old) => validateIngress(obj as Ingress, old as Ingress | undefined),
  };
}

export const ingressClassStrategy: Strategy = {
  type: types.ingressclasses,
  validateName: validateIngressClassName,
  // SetDefaults_IngressClass: parameters without a scope are cluster-scoped.
  defaults(obj) {
    const params = (obj as IngressClass).spec?.parameters;
    if (params && !params.scope) params.scope = 'Cluster';
  },
  validate: (obj, old) => validateIngressClass(obj as IngressClass, old as IngressClass | undefined),
};
