// Services: defaults and validation with upstream's wording, cluster IP and
// nodePort allocation (released on delete and type change), and the field
// carry-over upstream does on update (kept IPs/ports, type-dependent fields dropped).
import { defaultService } from '../../api/defaults/service.js';
import { types } from '../../api/resources.js';
import type { KubeObject, Service, ServicePort } from '../../api/types.js';
import { validateService, validateServiceName, type ServiceValidationOptions } from '../../api/validation/service.js';
import type { ServiceAllocations } from '../allocators/service-allocations.js';
import type { Strategy } from '../registry.js';

const usesNodePorts = (t: string | undefined): boolean => t === 'NodePort' || t === 'LoadBalancer';

/**
 * What upstream's service REST storage does before validating an update:
 * fields the user left out keep their stored values; fields the new type does
 * not use are dropped when the user did not change them.
 */
function prepareServiceUpdate(svc: Service, old: Service): void {
  const spec = svc.spec;
  const was = old.spec;
  const sameType = (spec.type ?? 'ClusterIP') === (was.type ?? 'ClusterIP');
  if (spec.type !== 'ExternalName') {
    if (!spec.clusterIP && was.clusterIP && was.type !== 'ExternalName') spec.clusterIP = was.clusterIP;
    if (spec.clusterIP && (!spec.clusterIPs?.length || spec.clusterIPs[0] !== spec.clusterIP) && spec.clusterIP === was.clusterIP) spec.clusterIPs = was.clusterIPs ?? [spec.clusterIP];
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    else if (spec.clusterIPs?.length && spec.clusterIP !== spec.clusterIPs[0]) spec.clusterIPs = [spec.clusterIP ?? '', ...spec.clusterIPs.slice(1)];
  }
  if (usesNodePorts(spec.type)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const kept = (was.ports ?? []).find((o: ServicePort) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (kept?.nodePort && usesNodePorts(was.type)) p.nodePort = kept.nodePort;
    }
    if (!spec.healthCheckNodePort && was.healthCheckNodePort) spec.healthCheckNodePort = was.healthCheckNodePort;
  }
  if (sameType) return;
  if (spec.type === 'ExternalName') {
    if (spec.clusterIP === was.clusterIP) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
    delete spec.internalTrafficPolicy;
  }
  if (!usesNodePorts(spec.type)) {
    for (const p of spec.ports ?? []) {
      const before = (was.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (p.nodePort && before?.nodePort === p.nodePort) delete p.nodePort;
    }
    if (spec.externalTrafficPolicy === was.externalTrafficPolicy && !(spec.externalIPs?.length)) delete spec.externalTrafficPolicy;
    if (spec.healthCheckNodePort === was.healthCheckNodePort) delete spec.healthCheckNodePort;
  }
  if (spec.type !== 'LoadBalancer') {
    if (spec.allocateLoadBalancerNodePorts === was.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
    if (spec.loadBalancerClass === was.loadBalancerClass) delete spec.loadBalancerClass;
  }
}

export function serviceStrategy(allocations: ServiceAllocations, opts: ServiceValidationOptions): Strategy {
  return {
    type: types.services,
    validateName: validateServiceName,
    prepareCreate(obj) {
      (obj as Service).status = { loadBalancer: {} };
    },
    defaults(obj) {
      const svc = obj as Service;
      svc.spec ??= {};
      defaultService(svc);
    },
    validate: (obj, old) => validateService(obj as Service, old as Service | undefined, opts),
    prepareUpdate(obj: KubeObject, old: KubeObject) {
      (obj as Service).spec ??= {}; // a Go Service always has a spec
      prepareServiceUpdate(obj as Service, old as Service);
    },
    beforeCreate: (obj, dryRun) => allocations.allocate(obj as Service, undefined, dryRun),
    // What old held and obj no longer does is released once the update is stored (the reservation's commit).
    beforeUpdate: (obj, old, dryRun) => allocations.allocate(obj as Service, old as Service, dryRun),
    afterDelete: (obj) => allocations.release(obj as Service, undefined),
  };
}
