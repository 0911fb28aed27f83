// discovery.k8s.io/v1 EndpointSlices and coordination.k8s.io/v1 Leases.
import type { Package } from './describe.js';

export const discovery: Package = {
  name: 'discovery',
  openapiPrefix: 'io.k8s.api.discovery.v1',
  messages: {
    EndpointSlice: {
      '': 'A part of the endpoints of a service (at most 100 by default): addresses of one family with their readiness, and the ports. The proxies read these.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata; the label kubernetes.io/service-name names the service.',
      addressType: '4 string required enum:FQDN|IPv4|IPv6 -- The kind of addresses in the slice. Cannot change.',
      endpoints: '2 []Endpoint -- The endpoints; at most 1000.',
      ports: '3 []EndpointPort -- The ports every endpoint serves; at most 100.',
    },
    Endpoint: {
      '': 'One backend of a service.',
      addresses: '1 []string required -- Its addresses, of the addressType of the slice (usually one).',
      conditions: '2 EndpointConditions -- Its readiness.',
      hostname: '3 string? -- Its hostname, for DNS.',
      targetRef: '4 core.ObjectReference -- The object (usually a pod) behind it.',
      deprecatedTopology: '5 map<string,string> -- Deprecated topology labels.',
      nodeName: '6 string? -- The node it runs on.',
      zone: '7 string? -- The zone it runs in.',
      hints: '8 EndpointHints -- Where it should be used, for topology-aware routing.',
    },
    EndpointConditions: {
      '': 'The readiness of an endpoint.',
      ready: '1 bool? -- Whether it should receive traffic: serving and not terminating (or the service publishes not-ready addresses).',
      serving: '2 bool? -- Whether it passes its readiness checks, even while terminating.',
      terminating: '3 bool? -- Whether it is being deleted.',
    },
    EndpointHints: { '': 'Where an endpoint should be used.', '+': 'forNodes', forZones: '1 []ForZone -- The zones whose clients should use it.' },
    ForZone: { '': 'A zone.', name: '1 string required -- The zone name.' },
    EndpointPort: {
      '': 'A port of the endpoints of a slice.',
      name: '1 string? -- The name, matching the name of the service port.',
      protocol: '2 string? enum:TCP|UDP|SCTP -- The protocol, TCP by default.',
      port: '3 int32? -- The port number; all ports when unset.',
      appProtocol: '4 string? -- The application protocol.',
    },
  },
};

export const coordination: Package = {
  name: 'coordination',
  openapiPrefix: 'io.k8s.api.coordination.v1',
  messages: {
    Lease: {
      '': 'A lock held for a time, renewed by its holder: node heartbeats (kube-node-lease) and leader election.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 LeaseSpec -- Who holds the lease and until when.',
    },
    LeaseSpec: {
      '': 'The state of a lease.',
      '+': 'strategy preferredHolder',
      holderIdentity: '1 string? -- Who holds it.',
      leaseDurationSeconds: '2 int32? -- How long after renewTime others may take it.',
      acquireTime: '3 meta.MicroTime -- When the current holder acquired it.',
      renewTime: '4 meta.MicroTime -- When the holder last renewed it.',
      leaseTransitions: '5 int32? -- How many times it changed holder.',
    },
  },
};

export const autoscaling: Package = {
  name: 'autoscaling',
  openapiPrefix: 'io.k8s.api.autoscaling.v1',
  messages: {
    Scale: {
      '': 'The scale subresource of a workload: how many replicas it should have (what `kubectl scale` changes).',
      metadata: '1 meta.ObjectMeta -- Standard object metadata of the scaled object.',
      spec: '2 ScaleSpec -- The replicas wanted.',
      status: '3 ScaleStatus -- The replicas there are.',
    },
    ScaleSpec: { '': 'The replicas wanted.', replicas: '1 int32 -- How many replicas the object should have.' },
    ScaleStatus: {
      '': 'The replicas there are.',
      replicas: '1 int32 required -- How many replicas the object has.',
      selector: '2 string -- The label selector of its pods, in the string form of labels.Selector.',
    },
  },
};
