import test from 'ava';
import { defaultService } from '../../../../src/api/defaults/service.js';
import type { Service, ServiceSpec } from '../../../../src/api/types.js';
import {
  ipAllocatedError,
  portAllocatedError,
  validateService,
  validateServiceName,
  type ServiceValidationOptions,
} from '../../../../src/api/validation/service.js';
import {
  clusterIPForbidsNodePort,
  http,
  invalidServices,
  notInRange,
  selector,
  subdomain1123,
} from '../../../fixtures/invalid-services.js';

const opts: ServiceValidationOptions = { serviceCIDR: '10.96.0.0/12', nodePortRange: { min: 30000, max: 32767 } };

function service(spec: ServiceSpec, name = 'web'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
}

/** A Service as the API server would have stored it: defaulted, IP and nodePorts allocated. */
function stored(spec: ServiceSpec): Service {
  const svc = service(spec);
  defaultService(svc);
  return svc;
}

/** What a user reads in the 422 Status ("field: message"), after the server's defaults. */
function errors(svc: Service, old?: Service): string[] {
  defaultService(svc);
  return validateService(svc, old, opts).map((e) => `${e.field}: ${e.message}`);
}

for (const c of invalidServices) {
  test(`a Service with ${c.title} is refused in Kubernetes' words`, (t) => {
    t.deepEqual(errors(service(c.spec)), c.errors);
  });
}

test('each kind of problem carries the cause reason kubectl shows', (t) => {
  const svc = service({ type: 'NodePort', sessionAffinity: 'Sticky' as 'None', ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81, nodePort: 80 }, { port: 82 }] });
  svc.spec.loadBalancerSourceRanges = ['10.0.0.0/8'];
  defaultService(svc);
  t.deepEqual(
    validateService(svc, undefined, opts).map((e) => [e.field, e.reason]),
    [
      ['spec.ports[1].name', 'FieldValueDuplicate'],
      ['spec.ports[2].name', 'FieldValueRequired'],
      ['spec.sessionAffinity', 'FieldValueNotSupported'],
      ['spec.LoadBalancerSourceRanges', 'FieldValueForbidden'],
      ['spec.ports[1].nodePort', 'FieldValueInvalid'],
    ],
  );
});

// ---- updates ----

const storedWeb = () => stored({ selector, clusterIP: '10.96.0.10', ports: [http] });

test('a changed clusterIP may not change once set', (t) => {
  t.deepEqual(errors(service({ selector, clusterIP: '10.96.0.20', ports: [http] }), storedWeb()), [
    'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.20"}: may not change once set',
  ]);
});

test('a clusterIP dropped on update is refused as unsetting the primary clusterIP', (t) => {
  t.deepEqual(errors(service({ selector, ports: [http] }), storedWeb()), ['spec.clusterIPs[0]: Invalid value: []string(nil): primary clusterIP can not be unset']);
});

test('a LoadBalancer keeps its loadBalancerClass and its healthCheckNodePort', (t) => {
  const lb = (lbClass: string, healthCheckNodePort: number): ServiceSpec => ({
    selector,
    type: 'LoadBalancer',
    clusterIP: '10.96.0.10',
    ports: [{ ...http, nodePort: 30080 }],
    externalTrafficPolicy: 'Local',
    loadBalancerClass: lbClass,
    healthCheckNodePort,
  });
  t.deepEqual(errors(service(lb('example.com/b', 30600)), stored(lb('example.com/a', 30500))), [
    'spec.loadBalancerClass: Invalid value: "example.com/b": may not change once set',
    'spec.healthCheckNodePort: Forbidden: field is immutable',
  ]);
});

test('an update keeps a clusterIP and nodePort the current configuration would no longer hand out', (t) => {
  const spec = (): ServiceSpec => ({ selector, type: 'NodePort', clusterIP: '10.0.0.10', ports: [{ ...http, nodePort: 30080 }] });
  const old = stored(spec());
  const svc = service(spec());
  defaultService(svc);
  t.deepEqual(validateService(svc, old, { serviceCIDR: '10.96.0.0/12', nodePortRange: { min: 31000, max: 32000 } }), []);
  svc.spec.ports!.push({ name: 'b', port: 81, nodePort: 30081, protocol: 'TCP', targetPort: 81 });
  svc.spec.ports![0]!.name = 'a';
  t.deepEqual(
    validateService(svc, old, { serviceCIDR: '10.96.0.0/12', nodePortRange: { min: 31000, max: 32000 } }).map((e) => e.message),
    ['Invalid value: 30081: provided port is not in the valid range. The range of valid ports is 31000-32000'],
  );
});

test('ClusterIP -> ExternalName validates once the IP fields are cleared, and back again', (t) => {
  const old = storedWeb();
  const external = service({ type: 'ExternalName', externalName: 'db.example.com', ports: [http] });
  t.deepEqual(errors(external, old), []);
  t.deepEqual(errors(service({ selector, ports: [http] }), external), []);
  t.deepEqual(errors(service({ selector, clusterIP: '10.96.0.30', ports: [http] }), external), []);
});

test('a headless service stays headless without complaint', (t) => {
  const headless = (): ServiceSpec => ({ selector, clusterIP: 'None', ports: [http] });
  t.deepEqual(errors(service(headless()), stored(headless())), []);
});

// ---- valid services ----

const validServices: Record<string, ServiceSpec> = {
  'a minimal ClusterIP service': { selector, ports: [{ port: 80 }] },
  'one port number on TCP and UDP': { selector, ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] },
  'a named targetPort': { selector, ports: [{ port: 80, targetPort: 'http' }] },
  'the first usable clusterIP': { selector, clusterIP: '10.96.0.1', ports: [http] },
  'the last usable clusterIP': { selector, clusterIP: '10.111.255.254', ports: [http] },
  'one nodePort shared by TCP and UDP': {
    selector,
    type: 'NodePort',
    ports: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', nodePort: 30053 }],
  },
  'a LoadBalancer with every option': {
    selector,
    type: 'LoadBalancer',
    ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 32767, appProtocol: 'kubernetes.io/h2c' }],
    externalTrafficPolicy: 'Local',
    healthCheckNodePort: 30500,
    loadBalancerSourceRanges: ['10.0.0.0/8', ' 192.168.0.0/16 ', '2001:db8::/64'],
    loadBalancerClass: 'example.com/lb',
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } },
    publishNotReadyAddresses: true,
  },
  'a headless service without ports': { selector, clusterIP: 'None' },
  'a headless service without a selector': { clusterIP: 'None', ports: [{ port: 5432 }] },
  'an ExternalName with a trailing dot': { type: 'ExternalName', externalName: 'db.example.com.' },
  'externalIPs with externalTrafficPolicy Local': { selector, ports: [http], externalIPs: ['203.0.113.10', '2001:db8::10'], externalTrafficPolicy: 'Local' },
  'internalTrafficPolicy Local': { selector, ports: [http], internalTrafficPolicy: 'Local' },
};

for (const [title, spec] of Object.entries(validServices)) {
  test(`${title} is valid`, (t) => {
    t.deepEqual(errors(service(spec)), []);
  });
}

// ---- the seed tutorials' Services, copied unchanged ----
// (003's "clusterIP: 10.0.0.112 / nodePort: 31230" is an elided excerpt, not an object, and is left out.)

const seedServices: { source: string; svc: Service; errors: string[] }[] = [
  {
    source: '000 line 12',
    svc: { kind: 'Service', apiVersion: 'v1', metadata: { name: 'my-service' }, spec: { selector: { app: 'MyApp' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] } },
    errors: [],
  },
  {
    source: '000 line 40',
    svc: { kind: 'Service', apiVersion: 'v1', metadata: { name: 'my-service' }, spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] } },
    errors: [],
  },
  {
    source: '000 line 69',
    svc: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'my-service', namespace: 'prod' },
      spec: { type: 'ExternalName', externalName: 'my.database.example.com' },
    },
    errors: [],
  },
  {
    source: '000 line 111',
    svc: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'my-service' },
      spec: {
        selector: { app: 'MyApp' },
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 },
          { name: 'https', protocol: 'TCP', port: 443, targetPort: 9377 },
        ],
      },
    },
    errors: [],
  },
  {
    // Written for a cluster whose service CIDR holds 10.0.171.239; a real cluster on 10.96.0.0/12 refuses it too.
    source: '000 line 174',
    svc: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'my-service' },
      spec: {
        selector: { app: 'MyApp' },
        ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }],
        clusterIP: '10.0.171.239',
        loadBalancerIP: '78.11.24.19',
        type: 'LoadBalancer',
      },
      status: { loadBalancer: { ingress: [{ ip: '146.148.47.155' }] } },
    },
    errors: [notInRange('10.0.171.239')],
  },
  {
    source: '001 line 24',
    svc: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' }, spec: { selector: { app: 'MyApp' }, ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] } },
    errors: [],
  },
  {
    source: '001 line 40',
    svc: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'my-service' }, spec: { ports: [{ protocol: 'TCP', port: 80, targetPort: 9376 }] } },
    errors: [],
  },
  {
    source: '001 line 95',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'my-service' },
      spec: {
        selector: { app: 'MyApp' },
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 },
          { name: 'https', protocol: 'TCP', port: 443, targetPort: 9377 },
        ],
      },
    },
    errors: [],
  },
  {
    source: '004 line 269 (first document)',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels: { app: 'ms-bye-dep' }, name: 'ms-bye-svc' },
      spec: { ports: [{ port: 19, protocol: 'TCP', targetPort: 9999 }], selector: { app: 'ms-bye-pods' }, type: 'ClusterIP' },
    },
    errors: [],
  },
  {
    source: '004 line 269 (second document)',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels: { app: 'ms-hello-dep' }, name: 'ms-hello-svc' },
      spec: { ports: [{ port: 17, protocol: 'TCP', targetPort: 7777 }], selector: { app: 'ms-hello-pods' }, type: 'ClusterIP' },
    },
    errors: [],
  },
  {
    source: '004 line 807',
    svc: { kind: 'Service', apiVersion: 'v1', metadata: { name: 'streamset-service' }, spec: { ports: [{ protocol: 'TCP', port: 9090, targetPort: 9090 }] } },
    errors: [],
  },
  {
    source: '004 line 840',
    svc: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext-api-svc' }, spec: { type: 'ExternalName', externalName: 'google.com', ports: [{ port: 80 }] } },
    errors: [],
  },
  {
    source: '004 line 928',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'ext-api-svc' },
      spec: { selector: { app: 'nginx' }, ports: [{ name: '80', port: 80, targetPort: 80 }], type: 'ClusterIP' },
    },
    errors: [],
  },
  {
    // The tutorial's externalName has an en dash where a hyphen belongs; a real cluster refuses it too.
    source: '004 line 997',
    svc: { kind: 'Service', apiVersion: 'v1', metadata: { name: 'mysql' }, spec: { type: 'ExternalName', externalName: 'mysql–instance1.123456789012.us-east-1.rds.amazonaws.com' } },
    errors: [`spec.externalName: Invalid value: "mysql–instance1.123456789012.us-east-1.rds.amazonaws.com": ${subdomain1123}`],
  },
  {
    source: '004 line 1016',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels: { app: 'ms-hello-dep' }, name: 'headless-hello-svc' },
      spec: { clusterIP: 'None', ports: [{ port: 17, protocol: 'TCP', targetPort: 7777 }], selector: { app: 'ms-hello-pods' } },
    },
    errors: [],
  },
  {
    source: '004 line 1163',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels: { app: 'ms-hello-dep' }, name: 'np-hello-svc' },
      spec: { ports: [{ port: 17, protocol: 'TCP', targetPort: 7777, nodePort: 31000 }], selector: { app: 'ms-hello-pods' }, type: 'NodePort' },
    },
    errors: [],
  },
  {
    // nodePorts without `type: NodePort`: the type defaults to ClusterIP and a real cluster refuses it too.
    source: '004 line 1276',
    svc: {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'my-service' },
      spec: {
        selector: { app: 'MyApp' },
        ports: [
          { name: 'http', nodePort: 30475, port: 8089, protocol: 'TCP', targetPort: 8080 },
          { name: 'metrics', nodePort: 31261, port: 5555, protocol: 'TCP', targetPort: 5555 },
          { name: 'health', nodePort: 30013, port: 8443, protocol: 'TCP', targetPort: 8085 },
        ],
      },
    },
    errors: [0, 1, 2].map((i) => `spec.ports[${i}].nodePort: ${clusterIPForbidsNodePort}`),
  },
  {
    source: '004 line 1337',
    svc: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { labels: { app: 'mc-mornaft-dep' }, name: 'mc-mornaft-svc' },
      spec: {
        ports: [
          { name: 'morning', port: 1234, protocol: 'TCP', targetPort: 1234 },
          { name: 'afternoon', port: 4321, protocol: 'TCP', targetPort: 4321 },
        ],
        selector: { app: 'mc-mornaft-pods' },
        type: 'ClusterIP',
      },
    },
    errors: [],
  },
];

for (const seed of seedServices) {
  const verdict = seed.errors.length ? 'is refused exactly as a real cluster refuses it' : 'validates clean after defaulting';
  test(`the seed Service ${seed.svc.metadata.name} (seeds/${seed.source}) ${verdict}`, (t) => {
    t.deepEqual(errors(structuredClone(seed.svc)), seed.errors);
    t.deepEqual(validateServiceName(seed.svc.metadata.name!), []);
  });
}

// ---- names and allocator messages ----

test('Service names are DNS-1035 labels', (t) => {
  t.deepEqual(validateServiceName('web-1'), []);
  t.deepEqual(validateServiceName('1-web'), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('the allocator refusals read like a real API server', (t) => {
  t.deepEqual(portAllocatedError('spec.ports[0].nodePort', 30080), {
    reason: 'FieldValueInvalid',
    field: 'spec.ports[0].nodePort',
    message: 'Invalid value: 30080: provided port is already allocated',
  });
  t.deepEqual(ipAllocatedError('spec.clusterIPs', '10.96.0.10'), {
    reason: 'FieldValueInvalid',
    field: 'spec.clusterIPs',
    message: 'Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
  });
});
