// A joined machine's plan for the unit tests: one node (node3) of lab demo, local name "local".
import { joinedPlan, type LabPlan } from '../../../src/lab/plan.js';

export function joinedDemo(): LabPlan {
  return joinedPlan({
    name: 'local',
    nodes: [{ name: 'node3', ip: '172.18.0.4', podCIDR: '10.244.3.0/24' }],
    vxlan: { local: '192.0.2.20', vni: 42, port: 4789, mtu: 1450, host: 'b' },
    joined: { lab: 'demo', server: 'https://192.0.2.10:6443' },
  });
}
