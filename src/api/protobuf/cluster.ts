// discovery.k8s.io/v1 EndpointSlices and coordination.k8s.io/v1 Leases.
import type { Package } from './describe.js';

export const discovery: Package = {
  name: 'discovery',
  messages: {
    EndpointSlice: { metadata: '1 meta.ObjectMeta', addressType: '4 string', endpoints: '2 []Endpoint', ports: '3 []EndpointPort' },
    Endpoint: {
      addresses: '1 []string',
      conditions: '2 EndpointConditions',
      hostname: '3 string?',
      targetRef: '4 core.ObjectReference',
      deprecatedTopology: '5 map<string,string>',
      nodeName: '6 string?',
      zone: '7 string?',
      hints: '8 EndpointHints',
    },
    EndpointConditions: { ready: '1 bool?', serving: '2 bool?', terminating: '3 bool?' },
    EndpointHints: { forZones: '1 []ForZone' },
    ForZone: { name: '1 string' },
    EndpointPort: { name: '1 string?', protocol: '2 string?', port: '3 int32?', appProtocol: '4 string?' },
  },
};

export const coordination: Package = {
  name: 'coordination',
  messages: {
    Lease: { metadata: '1 meta.ObjectMeta', spec: '2 LeaseSpec' },
    LeaseSpec: {
      holderIdentity: '1 string?',
      leaseDurationSeconds: '2 int32?',
      acquireTime: '3 meta.MicroTime',
      renewTime: '4 meta.MicroTime',
      leaseTransitions: '5 int32?',
    },
  },
};
