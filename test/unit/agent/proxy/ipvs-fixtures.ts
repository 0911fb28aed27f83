// The IPVS backend's wanted state for some service ports, as a full sync builds it.
import { serviceKey, type NodeInfo, type ServicePort } from '../../../../src/agent/proxy/model.js';
import { planService } from '../../../../src/agent/proxy/ipvs/plan.js';
import { WantedState } from '../../../../src/agent/proxy/ipvs/wanted.js';

export function wantedFor(services: ServicePort[], node: NodeInfo, scheduler = 'rr'): WantedState {
  const wanted = new WantedState();
  for (const sp of services) wanted.replace(serviceKey(sp), planService(sp, node, scheduler));
  return wanted;
}
