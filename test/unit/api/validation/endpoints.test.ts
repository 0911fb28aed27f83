import test from 'ava';
import { defaultEndpointSlice, defaultEndpoints } from '../../../../src/api/defaults/service.js';
import type { EndpointSlice, EndpointSubset, Endpoints, Protocol, SliceEndpoint } from '../../../../src/api/types.js';
import { validateEndpointSlice, validateEndpointSliceName, validateEndpoints, validateEndpointsName } from '../../../../src/api/validation/endpoints.js';

const label1123 =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const subdomain1123 =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const loopback = 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
const linkLocal = 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
const linkLocalMulticast = 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
const portRange = 'must be between 1 and 65535, inclusive';

function endpoints(subsets: EndpointSubset[]): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' }, subsets };
}

function slice(addressType: string, sliceEndpoints: SliceEndpoint[], ports: EndpointSlice['ports'] = [{ name: 'http', port: 80 }]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: addressType as EndpointSlice['addressType'],
    endpoints: sliceEndpoints,
    ports,
  };
}

function errors(ep: Endpoints): string[] {
  defaultEndpoints(ep);
  return validateEndpoints(ep).map((e) => `${e.field}: ${e.message}`);
}

function sliceErrors(s: EndpointSlice): string[] {
  defaultEndpointSlice(s);
  return validateEndpointSlice(s).map((e) => `${e.field}: ${e.message}`);
}

const ports = [{ port: 8080 }];
const at = (ip: string): EndpointSubset => ({ addresses: [{ ip }], ports });
const ipError = (ip: string, detail: string) => `subsets[0].addresses[0].ip: Invalid value: "${ip}": ${detail}`;

const invalidEndpoints: { title: string; subsets: EndpointSubset[]; errors: string[] }[] = [
  {
    title: 'a subset without addresses',
    subsets: [{ ports }],
    errors: ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`'],
  },
  { title: 'the unspecified address', subsets: [at('0.0.0.0')], errors: [ipError('0.0.0.0', 'may not be unspecified (0.0.0.0)')] },
  { title: 'a loopback address', subsets: [at('127.0.0.1')], errors: [ipError('127.0.0.1', loopback)] },
  { title: 'a link-local address', subsets: [at('169.254.169.254')], errors: [ipError('169.254.169.254', linkLocal)] },
  { title: 'a link-local multicast address', subsets: [at('224.0.0.251')], errors: [ipError('224.0.0.251', linkLocalMulticast)] },
  { title: 'the IPv6 loopback address', subsets: [at('::1')], errors: [ipError('::1', loopback)] },
  { title: 'an IPv6 link-local address', subsets: [at('fe80::1')], errors: [ipError('fe80::1', linkLocal)] },
  {
    title: 'an address that is not an IP',
    subsets: [at('10.0.0')],
    errors: [ipError('10.0.0', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'), ipError('10.0.0', 'must be a valid IP address')],
  },
  {
    title: 'an address without an ip',
    subsets: [{ addresses: [{} as { ip: string }], ports }],
    errors: [ipError('', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'), ipError('', 'must be a valid IP address')],
  },
  {
    title: 'a loopback not-ready address',
    subsets: [{ addresses: [{ ip: '10.244.1.5' }], notReadyAddresses: [{ ip: '127.0.0.2' }], ports }],
    errors: [`subsets[0].notReadyAddresses[0].ip: Invalid value: "127.0.0.2": ${loopback}`],
  },
  {
    title: 'a hostname that is not a DNS label',
    subsets: [{ addresses: [{ ip: '10.244.1.5', hostname: 'Web_1' }], ports }],
    errors: [`subsets[0].addresses[0].hostname: Invalid value: "Web_1": ${label1123}`],
  },
  {
    title: 'a nodeName that is not a DNS subdomain',
    subsets: [{ addresses: [{ ip: '10.244.1.5', nodeName: 'Node_1' }], ports }],
    errors: [`subsets[0].addresses[0].nodeName: Invalid value: "Node_1": ${subdomain1123}`],
  },
  { title: 'port 0', subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 0 }] }], errors: [`subsets[0].ports[0].port: Invalid value: 0: ${portRange}`] },
  { title: 'port 70000', subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 70000 }] }], errors: [`subsets[0].ports[0].port: Invalid value: 70000: ${portRange}`] },
  {
    title: 'protocol ICMP',
    subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80, protocol: 'ICMP' as Protocol }] }],
    errors: ['subsets[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
  },
  {
    title: 'an unnamed port among two',
    subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'http', port: 80 }, { port: 443 }] }],
    errors: ['subsets[0].ports[1].name: Required value'],
  },
  {
    title: 'a port name that is not a DNS label',
    subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'HTTP', port: 80 }] }],
    errors: [`subsets[0].ports[0].name: Invalid value: "HTTP": ${label1123}`],
  },
  {
    title: 'a bad second subset',
    subsets: [at('10.244.1.5'), { addresses: [{ ip: '10.244.2.7' }, { ip: '127.0.0.1' }], ports }],
    errors: [`subsets[1].addresses[1].ip: Invalid value: "127.0.0.1": ${loopback}`],
  },
];

for (const c of invalidEndpoints) {
  test(`Endpoints with ${c.title} are refused in Kubernetes' words`, (t) => {
    t.deepEqual(errors(endpoints(c.subsets)), c.errors);
  });
}

test('Endpoints problems carry the cause reasons kubectl shows, an undefaulted protocol included', (t) => {
  const ep = endpoints([{ ports: [{ name: 'a', port: 80 }, { port: 0, protocol: 'ICMP' as Protocol }] }]);
  t.deepEqual(
    validateEndpoints(ep).map((e) => [e.field, e.reason]),
    [
      ['subsets[0]', 'FieldValueRequired'],
      ['subsets[0].ports[0].protocol', 'FieldValueRequired'],
      ['subsets[0].ports[1].name', 'FieldValueRequired'],
      ['subsets[0].ports[1].port', 'FieldValueInvalid'],
      ['subsets[0].ports[1].protocol', 'FieldValueNotSupported'],
    ],
  );
});

test('Endpoints may repeat a port name, as upstream allows', (t) => {
  t.deepEqual(errors(endpoints([{ addresses: [{ ip: '10.244.1.5' }], ports: [{ name: 'http', port: 80 }, { name: 'http', port: 81 }] }])), []);
});

test('Endpoints with only not-ready addresses, hostnames and node names are valid', (t) => {
  const ep = endpoints([
    {
      notReadyAddresses: [{ ip: '10.244.1.5', hostname: 'web-0', nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } }],
      ports: [{ name: 'http', port: 80, appProtocol: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }],
    },
  ]);
  t.deepEqual(errors(ep), []);
  t.deepEqual(errors(endpoints([])), []);
});

// The seed tutorials' hand-made Endpoints, copied unchanged.
const seedEndpoints: { source: string; ep: Endpoints }[] = [
  {
    source: '000 line 53',
    ep: { kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'my-service' }, subsets: [{ addresses: [{ ip: '1.2.3.4' }], ports: [{ port: 9376 }] }] },
  },
  {
    source: '001 line 54',
    ep: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'my-service' }, subsets: [{ addresses: [{ ip: '192.0.2.42' }], ports: [{ port: 9376 }] }] },
  },
  {
    source: '004 line 807',
    ep: { kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'streamset-service' }, subsets: [{ addresses: [{ ip: '172.29.16.8' }], ports: [{ port: 9090 }] }] },
  },
];

for (const seed of seedEndpoints) {
  test(`the seed Endpoints ${seed.ep.metadata.name} (seeds/${seed.source}) validate clean after defaulting`, (t) => {
    t.deepEqual(errors(structuredClone(seed.ep)), []);
    t.deepEqual(validateEndpointsName(seed.ep.metadata.name!), []);
  });
}

// ---- EndpointSlices ----

const ready = { ready: true, serving: true, terminating: false };

const invalidSlices: { title: string; slice: EndpointSlice; errors: string[] }[] = [
  {
    title: 'addressType IP',
    slice: slice('IP', [{ addresses: ['10.244.1.5'] }]),
    errors: ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'],
  },
  { title: 'no addressType', slice: slice('', [{ addresses: ['10.244.1.5'] }]), errors: ['addressType: Required value'] },
  {
    title: 'an endpoint without addresses',
    slice: slice('IPv4', [{ addresses: [], conditions: ready }]),
    errors: ['endpoints[0].addresses: Required value: must contain at least 1 address'],
  },
  {
    title: 'an IPv6 address in an IPv4 slice',
    slice: slice('IPv4', [{ addresses: ['fd00::1'] }]),
    errors: ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
  },
  {
    title: 'an IPv4 address in an IPv6 slice',
    slice: slice('IPv6', [{ addresses: ['10.244.1.5'] }]),
    errors: ['endpoints[0].addresses[0]: Invalid value: "10.244.1.5": must be a valid IPv6 address'],
  },
  {
    title: 'a loopback address',
    slice: slice('IPv4', [{ addresses: ['10.244.1.5'] }, { addresses: ['127.0.0.1'] }]),
    errors: [`endpoints[1].addresses[0]: Invalid value: "127.0.0.1": ${loopback}`],
  },
  {
    title: 'a single-label FQDN',
    slice: slice('FQDN', [{ addresses: ['localhost'] }]),
    errors: ['endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots'],
  },
  {
    title: 'an FQDN that is not a DNS name',
    slice: slice('FQDN', [{ addresses: ['db_1.example.com'] }]),
    errors: [`endpoints[0].addresses[0]: Invalid value: "db_1.example.com": ${subdomain1123}`],
  },
  {
    title: 'a hostname that is not a DNS label',
    slice: slice('IPv4', [{ addresses: ['10.244.1.5'], hostname: 'Web_1' }]),
    errors: [`endpoints[0].hostname: Invalid value: "Web_1": ${label1123}`],
  },
  {
    title: 'two ports with one name',
    slice: slice('IPv4', [{ addresses: ['10.244.1.5'] }], [{ name: 'http', port: 80 }, { name: 'http', port: 81 }]),
    errors: ['ports[1].name: Duplicate value: "http"'],
  },
  {
    title: 'two unnamed ports',
    slice: slice('IPv4', [{ addresses: ['10.244.1.5'] }], [{ port: 80 }, { port: 81 }]),
    errors: ['ports[1].name: Duplicate value: ""'],
  },
  {
    title: 'protocol ICMP',
    slice: slice('IPv4', [{ addresses: ['10.244.1.5'] }], [{ name: 'ping', port: 0, protocol: 'ICMP' as Protocol }]),
    errors: ['ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
  },
];

for (const c of invalidSlices) {
  test(`an EndpointSlice with ${c.title} is refused in Kubernetes' words`, (t) => {
    t.deepEqual(sliceErrors(c.slice), c.errors);
  });
}

test('a slice of more than 1000 endpoints is too many', (t) => {
  const many = Array.from({ length: 1001 }, () => ({ addresses: ['10.244.1.5'] }));
  t.deepEqual(validateEndpointSlice(slice('IPv4', many, [])), [{ reason: 'FieldValueTooMany', field: 'endpoints', message: 'Too many: 1001: must have at most 1000 items' }]);
});

test('EndpointSlices as the controller writes them are valid', (t) => {
  const s = slice(
    'IPv4',
    [
      { addresses: ['10.244.1.5'], conditions: ready, nodeName: 'node-1', targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' } },
      { addresses: ['10.244.2.7'], conditions: { ready: false, serving: false, terminating: false }, hostname: 'web-1', zone: 'a' },
    ],
    [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }],
  );
  t.deepEqual(sliceErrors(s), []);
  t.deepEqual(sliceErrors(slice('FQDN', [{ addresses: ['db.example.com.'] }])), []);
  t.deepEqual(sliceErrors(slice('IPv6', [{ addresses: ['fd00::5'] }])), []);
  t.deepEqual(validateEndpointSliceName('web-abcde'), []);
});
