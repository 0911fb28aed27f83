import test from 'ava';
import { defaultPod } from '../../../../src/api/defaults/pod.js';
import type { Container, Pod, PodSpec } from '../../../../src/api/types.js';
import { validatePod, validatePodName, validatePodSpec } from '../../../../src/api/validation/pod.js';
import { path } from '../../../../src/api/validation/field.js';

const rfc1123Label =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const rfc1123Subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const badIp = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

// The pods the seed tutorial's deployments (seeds/004) run: their template specs, unchanged.
const msByeSpec: PodSpec = {
  containers: [
    {
      image: 'pgolard/ms-bye:v4',
      name: 'ms-bye',
      ports: [{ containerPort: 9999 }],
    },
  ],
};
const msHelloSpec: PodSpec = {
  containers: [
    {
      image: 'pgolard/ms-hello:v4',
      name: 'ms-hello',
      ports: [{ containerPort: 7777 }],
    },
  ],
};
// The multi-container pod of seeds/004 (mc-mornaft-pods).
const mcMornaftSpec: PodSpec = {
  containers: [
    {
      image: 'pgolard/multcont-morning:v3',
      name: 'multcont-morning',
      ports: [{ containerPort: 1234 }],
    },
    {
      image: 'pgolard/multcont-afternoon:v3',
      name: 'multcont-afternoon',
      ports: [{ containerPort: 4321 }],
    },
  ],
};

function pod(name: string, labels: Record<string, string>, spec: PodSpec): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels }, spec: structuredClone(spec) };
}

const seedPods = [
  pod('ms-bye-dep-6d9f8c7b5-abcde', { app: 'ms-bye-pods' }, msByeSpec),
  pod('ms-hello-dep-5c8d7b6f4-fghij', { app: 'ms-hello-pods' }, msHelloSpec),
  pod('mc-mornaft-dep-7f6c5d4b3-klmno', { app: 'mc-mornaft-pods' }, mcMornaftSpec),
];

/** A pod using most of what the lab runs: probes, env, named ports, DNS settings, host aliases. */
function fullPod(): Pod {
  const web: Container = {
    name: 'web',
    image: 'svclab/hello:1.0',
    ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      { name: 'dns', containerPort: 5353, protocol: 'UDP' },
    ],
    env: [
      { name: 'GREETING', value: 'hello' },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    ],
    readinessProbe: { httpGet: { port: 'http', path: '/ready' }, periodSeconds: 2 },
    livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 5 },
    startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [web, { name: 'sidecar', image: 'svclab/toolbox' }],
      hostname: 'web-0',
      subdomain: 'web',
      nodeSelector: { 'kubernetes.io/hostname': 'node-1' },
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local.'], options: [{ name: 'ndots', value: '5' }] },
      hostAliases: [{ ip: '203.0.113.10', hostnames: ['outside.example.com'] }],
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      activeDeadlineSeconds: 3600,
    },
  };
}

function errorsOf(p: Pod, old?: Pod): [string, string][] {
  return validatePod(p, old).map((e) => [e.field, e.message]);
}

function defaulted(p: Pod): Pod {
  defaultPod(p);
  return p;
}

test('pod names are DNS-1123 subdomains, dots allowed', (t) => {
  t.deepEqual(validatePodName('web-0.backend'), []);
  t.deepEqual(validatePodName('Web_0'), [rfc1123Subdomain]);
});

test('every pod from the seed tutorials is valid once defaulted', (t) => {
  for (const p of seedPods) t.deepEqual(errorsOf(defaulted(structuredClone(p))), [], p.metadata.name);
});

test('a pod using probes, env, named ports and DNS settings is valid once defaulted', (t) => {
  t.deepEqual(errorsOf(defaulted(fullPod())), []);
});

test('undefaulted enums and the grace period are Required, as for an object that skipped defaulting', (t) => {
  const errs = validatePodSpec(structuredClone(msByeSpec), path('spec')).map((e) => [e.field, e.message]);
  t.deepEqual(errs, [
    ['spec.terminationGracePeriodSeconds', 'Required value'],
    ['spec.containers[0].terminationMessagePolicy', 'Required value'],
    ['spec.containers[0].ports[0].protocol', 'Required value'],
    ['spec.containers[0].imagePullPolicy', 'Required value'],
    ['spec.restartPolicy', 'Required value'],
    ['spec.dnsPolicy', 'Required value'],
  ]);
});

test('validatePodSpec reports under the path it is given', (t) => {
  const spec: PodSpec = { containers: [] };
  const p = pod('x', {}, spec);
  defaultPod(p);
  t.deepEqual(
    validatePodSpec(p.spec, path('spec', 'template', 'spec')).map((e) => e.field),
    ['spec.template.spec.containers'],
  );
});

interface Case {
  name: string;
  change: (p: Pod) => void;
  errors: [string, string][];
}

const web = (p: Pod): Container => p.spec.containers[0]!;

const invalidPods: Case[] = [
  { name: 'a pod with no containers', change: (p) => (p.spec.containers = []), errors: [['spec.containers', 'Required value']] },
  {
    name: 'two containers with one name',
    change: (p) => (p.spec.containers[1]!.name = 'web'),
    errors: [['spec.containers[1].name', 'Duplicate value: "web"']],
  },
  {
    name: 'a container name that is not a DNS label',
    change: (p) => (web(p).name = 'Web_1'),
    errors: [['spec.containers[0].name', `Invalid value: "Web_1": ${rfc1123Label}`]],
  },
  { name: 'a container without an image', change: (p) => delete web(p).image, errors: [['spec.containers[0].image', 'Required value']] },
  {
    name: 'an image with surrounding whitespace',
    change: (p) => (web(p).image = ' nginx '),
    errors: [['spec.containers[0].image', 'Invalid value: " nginx ": must not have leading or trailing whitespace']],
  },
  {
    name: 'containerPort 0, which Go cannot tell from unset',
    change: (p) => (web(p).ports![0]!.containerPort = 0),
    errors: [['spec.containers[0].ports[0].containerPort', 'Required value']],
  },
  {
    name: 'a containerPort above 65535',
    change: (p) => (web(p).ports![0]!.containerPort = 70000),
    errors: [['spec.containers[0].ports[0].containerPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive']],
  },
  {
    name: 'a negative hostPort',
    change: (p) => (web(p).ports![0]!.hostPort = -1),
    errors: [['spec.containers[0].ports[0].hostPort', 'Invalid value: -1: must be between 1 and 65535, inclusive']],
  },
  {
    name: 'a port name that is not an IANA_SVC_NAME',
    change: (p) => (web(p).ports![0]!.name = 'Http-Port-Name-Long'),
    errors: [
      ['spec.containers[0].ports[0].name', 'Invalid value: "Http-Port-Name-Long": must be no more than 15 characters'],
      ['spec.containers[0].ports[0].name', 'Invalid value: "Http-Port-Name-Long": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    ],
  },
  {
    name: 'an all-digit port name',
    change: (p) => (web(p).ports![0]!.name = '8080'),
    errors: [['spec.containers[0].ports[0].name', 'Invalid value: "8080": must contain at least one letter (a-z)']],
  },
  {
    name: 'a port name used twice in one container',
    change: (p) => (web(p).ports![1]!.name = 'http'),
    errors: [['spec.containers[0].ports[1].name', 'Duplicate value: "http"']],
  },
  {
    name: 'an unknown port protocol',
    change: (p) => ((web(p).ports![0] as { protocol: string }).protocol = 'ICMP'),
    errors: [['spec.containers[0].ports[0].protocol', 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
  },
  {
    name: 'one hostPort claimed by two containers',
    change: (p) => {
      web(p).ports![0]!.hostPort = 8080;
      p.spec.containers[1]!.ports = [{ containerPort: 80, hostPort: 8080 }];
    },
    errors: [['spec.containers[1].ports[0].hostPort', 'Duplicate value: "TCP//8080"']],
  },
  {
    name: 'an env var name starting with a digit',
    change: (p) => (web(p).env![0]!.name = '1GREETING'),
    errors: [
      [
        'spec.containers[0].env[0].name',
        "Invalid value: \"1GREETING\": a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
      ],
    ],
  },
  {
    name: "an env var named '..'",
    change: (p) => (web(p).env![0]!.name = '..'),
    errors: [['spec.containers[0].env[0].name', `Invalid value: "..": must not be '..'`]],
  },
  {
    name: 'an env var with both value and valueFrom',
    change: (p) => (web(p).env![1]!.value = '1.2.3.4'),
    errors: [['spec.containers[0].env[1].valueFrom', 'Invalid value: "": may not be specified when `value` is not empty']],
  },
  {
    name: 'an env var from a pod field env vars cannot read',
    change: (p) => (web(p).env![1]!.valueFrom!.fieldRef!.fieldPath = 'status.phase'),
    errors: [
      [
        'spec.containers[0].env[1].valueFrom.fieldRef.fieldPath',
        'Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      ],
    ],
  },
  {
    name: 'an env var from an unknown pod field',
    change: (p) => (web(p).env![1]!.valueFrom!.fieldRef!.fieldPath = 'status.ip'),
    errors: [['spec.containers[0].env[1].valueFrom.fieldRef.fieldPath', 'Invalid value: "status.ip": error converting fieldPath: field label not supported: status.ip']],
  },
  {
    name: 'a probe with two handlers',
    change: (p) => (web(p).livenessProbe!.httpGet = { port: 8080 }),
    errors: [['spec.containers[0].livenessProbe.tcpSocket', 'Forbidden: may not specify more than 1 handler type']],
  },
  {
    name: 'a probe with no handler',
    change: (p) => delete web(p).readinessProbe!.httpGet,
    errors: [['spec.containers[0].readinessProbe', 'Required value: must specify a handler type']],
  },
  {
    name: 'a negative probe period',
    change: (p) => (web(p).readinessProbe!.periodSeconds = -5),
    errors: [['spec.containers[0].readinessProbe.periodSeconds', 'Invalid value: -5: must be greater than or equal to 0']],
  },
  {
    name: 'a liveness probe needing two successes',
    change: (p) => (web(p).livenessProbe!.successThreshold = 2),
    errors: [['spec.containers[0].livenessProbe.successThreshold', 'Invalid value: 2: must be 1']],
  },
  {
    name: 'a startup probe needing three successes',
    change: (p) => (web(p).startupProbe!.successThreshold = 3),
    errors: [['spec.containers[0].startupProbe.successThreshold', 'Invalid value: 3: must be 1']],
  },
  {
    name: 'a readiness probe with its own grace period',
    change: (p) => (web(p).readinessProbe!.terminationGracePeriodSeconds = 10),
    errors: [['spec.containers[0].readinessProbe.terminationGracePeriodSeconds', 'Invalid value: 10: must not be set for readinessProbes']],
  },
  {
    name: 'an httpGet probe on an upper-case port name',
    change: (p) => (web(p).readinessProbe!.httpGet!.port = 'HTTP'),
    errors: [
      ['spec.containers[0].readinessProbe.httpGet.port', 'Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
      ['spec.containers[0].readinessProbe.httpGet.port', 'Invalid value: "HTTP": must contain at least one letter (a-z)'],
    ],
  },
  {
    name: 'an httpGet probe over FTP',
    change: (p) => ((web(p).readinessProbe!.httpGet as { scheme: string }).scheme = 'FTP'),
    errors: [['spec.containers[0].readinessProbe.httpGet.scheme', 'Unsupported value: "FTP": supported values: "HTTP", "HTTPS"']],
  },
  {
    name: 'an exec probe with no command',
    change: (p) => (web(p).startupProbe!.exec!.command = []),
    errors: [['spec.containers[0].startupProbe.exec.command', 'Required value']],
  },
  {
    name: 'a restartPolicy on a regular container',
    change: (p) => (web(p).restartPolicy = 'Always'),
    errors: [['spec.containers[0].restartPolicy', 'Forbidden: may not be set for non-init containers']],
  },
  {
    name: 'an unknown restartPolicy',
    change: (p) => ((p.spec as { restartPolicy: string }).restartPolicy = 'Sometimes'),
    errors: [['spec.restartPolicy', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
  },
  {
    name: 'an unknown dnsPolicy',
    change: (p) => ((p.spec as { dnsPolicy: string }).dnsPolicy = 'Google'),
    errors: [['spec.dnsPolicy', 'Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
  },
  {
    name: 'dnsPolicy None without dnsConfig',
    change: (p) => delete p.spec.dnsConfig,
    errors: [['spec.dnsConfig', 'Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
  },
  {
    name: 'dnsPolicy None without nameservers',
    change: (p) => (p.spec.dnsConfig!.nameservers = []),
    errors: [['spec.dnsConfig.nameservers', 'Required value: must provide at least one DNS nameserver when `dnsPolicy` is None']],
  },
  {
    name: 'four nameservers',
    change: (p) => (p.spec.dnsConfig!.nameservers = ['10.96.0.10', '1.1.1.1', '8.8.8.8', '9.9.9.9']),
    errors: [['spec.dnsConfig.nameservers', 'Invalid value: ["10.96.0.10","1.1.1.1","8.8.8.8","9.9.9.9"]: must not have more than 3 nameservers']],
  },
  {
    name: 'a nameserver that is not an IP',
    change: (p) => (p.spec.dnsConfig!.nameservers = ['kube-dns']),
    errors: [['spec.dnsConfig.nameservers[0]', `Invalid value: "kube-dns": ${badIp}`]],
  },
  {
    name: '33 search domains',
    change: (p) => (p.spec.dnsConfig!.searches = Array.from({ length: 33 }, (_, i) => `s${i}.example`)),
    errors: [
      [
        'spec.dnsConfig.searches',
        `Invalid value: ${JSON.stringify(Array.from({ length: 33 }, (_, i) => `s${i}.example`))}: must not have more than 32 search paths`,
      ],
    ],
  },
  {
    name: 'a search domain with an underscore, reported without its trailing dot',
    change: (p) => (p.spec.dnsConfig!.searches = ['my_domain.example.']),
    errors: [['spec.dnsConfig.searches[0]', `Invalid value: "my_domain.example": ${rfc1123Subdomain}`]],
  },
  {
    name: 'a DNS option without a name',
    change: (p) => (p.spec.dnsConfig!.options = [{ name: '', value: '2' }]),
    errors: [['spec.dnsConfig.options[0]', 'Required value: must not be empty']],
  },
  {
    name: 'a hostname that is not a DNS label',
    change: (p) => (p.spec.hostname = 'Web_0'),
    errors: [['spec.hostname', `Invalid value: "Web_0": ${rfc1123Label}`]],
  },
  {
    name: 'a subdomain that is not a DNS label',
    change: (p) => (p.spec.subdomain = '-web'),
    errors: [['spec.subdomain', `Invalid value: "-web": ${rfc1123Label}`]],
  },
  {
    name: 'a negative terminationGracePeriodSeconds',
    change: (p) => (p.spec.terminationGracePeriodSeconds = -1),
    errors: [['spec.terminationGracePeriodSeconds', 'Invalid value: -1: must be greater than or equal to 0']],
  },
  {
    name: 'an activeDeadlineSeconds of 0',
    change: (p) => (p.spec.activeDeadlineSeconds = 0),
    errors: [['spec.activeDeadlineSeconds', 'Invalid value: 0: must be between 1 and 2147483647, inclusive']],
  },
  {
    name: 'a nodeSelector key with a space',
    change: (p) => (p.spec.nodeSelector = { 'disk type': 'ssd' }),
    errors: [
      [
        'spec.nodeSelector',
        "Invalid value: \"disk type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    ],
  },
  {
    name: 'a nodeName that is not a DNS subdomain',
    change: (p) => (p.spec.nodeName = 'Node_1'),
    errors: [['spec.nodeName', `Invalid value: "Node_1": ${rfc1123Subdomain}`]],
  },
  {
    name: 'a host alias with a bad IP',
    change: (p) => (p.spec.hostAliases![0]!.ip = '10.0.0.300'),
    errors: [['spec.hostAliases[0].ip', `Invalid value: "10.0.0.300": ${badIp}`]],
  },
  {
    name: 'a host alias with a bad hostname',
    change: (p) => (p.spec.hostAliases![0]!.hostnames = ['Outside_Host']),
    errors: [['spec.hostAliases[0].hostnames[0]', `Invalid value: "Outside_Host": ${rfc1123Subdomain}`]],
  },
  {
    name: 'a NoSchedule toleration with tolerationSeconds',
    change: (p) => (p.spec.tolerations![0]!.tolerationSeconds = 60),
    errors: [['spec.tolerations[0].effect', "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"]],
  },
  {
    name: 'a keyless toleration that is not Exists',
    change: (p) => (p.spec.tolerations = [{ operator: 'Equal', value: 'x' }]),
    errors: [['spec.tolerations[0].operator', 'Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"']],
  },
  {
    name: 'an Exists toleration with a value',
    change: (p) => (p.spec.tolerations![0]!.value = 'yes'),
    errors: [['spec.tolerations[0].operator', "Invalid value: \"yes\": value must be empty when `operator` is 'Exists'"]],
  },
  {
    name: 'an init container reusing a container name and probing without restartPolicy Always',
    change: (p) => (p.spec.initContainers = [{ name: 'web', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } }]),
    errors: [
      ['spec.initContainers[0].name', 'Duplicate value: "web"'],
      ['spec.initContainers[0].readinessProbe', 'Forbidden: may not be set for init containers without restartPolicy=Always'],
    ],
  },
];

for (const c of invalidPods) {
  test(`refuses ${c.name}`, (t) => {
    const p = fullPod();
    c.change(p);
    t.deepEqual(errorsOf(defaulted(p)), c.errors);
  });
}

test('every problem is reported, in upstream order', (t) => {
  const p = pod('x', {}, { containers: [{ name: 'a', image: '', ports: [{ containerPort: 0 }] }, { name: 'a', image: 'nginx' }] });
  p.spec.hostname = 'H';
  defaultPod(p);
  t.deepEqual(errorsOf(p), [
    ['spec.containers[0].image', 'Required value'],
    ['spec.containers[0].ports[0].containerPort', 'Required value'],
    ['spec.containers[1].name', 'Duplicate value: "a"'],
    ['spec.hostname', `Invalid value: "H": ${rfc1123Label}`],
  ]);
  t.deepEqual(
    validatePod(p, undefined).map((e) => e.reason),
    ['FieldValueRequired', 'FieldValueRequired', 'FieldValueDuplicate', 'FieldValueInvalid'],
  );
});

// ---- updates ----

function running(): Pod {
  return defaulted(fullPod());
}

function updated(change: (p: Pod) => void): [Pod, Pod] {
  const old = running();
  const next = structuredClone(old);
  change(next);
  defaultPod(next);
  return [next, old];
}

test('an unchanged pod, or one with only new status, updates cleanly', (t) => {
  const [next, old] = updated((p) => (p.status = { phase: 'Running', podIP: '10.244.1.5' }));
  t.deepEqual(errorsOf(next, old), []);
});

test('container images may change on update', (t) => {
  const [next, old] = updated((p) => (web(p).image = 'svclab/hello:2.0'));
  t.deepEqual(errorsOf(next, old), []);
});

test('activeDeadlineSeconds may be lowered but not raised or removed', (t) => {
  t.deepEqual(errorsOf(...updated((p) => (p.spec.activeDeadlineSeconds = 60))), []);
  t.deepEqual(errorsOf(...updated((p) => (p.spec.activeDeadlineSeconds = 7200))), [
    ['spec.activeDeadlineSeconds', 'Invalid value: 7200: must be less than or equal to previous value'],
  ]);
  t.deepEqual(errorsOf(...updated((p) => delete p.spec.activeDeadlineSeconds)), [
    ['spec.activeDeadlineSeconds', 'Invalid value: null: must not update from a positive integer to nil value'],
  ]);
});

test('tolerations may be added, and their tolerationSeconds changed, but not otherwise modified', (t) => {
  const add = updated((p) => p.spec.tolerations!.push({ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }));
  t.deepEqual(errorsOf(...add), []);
  const seconds = updated((p) => (p.spec.tolerations!.find((x) => x.key === 'node.kubernetes.io/not-ready')!.tolerationSeconds = 60));
  t.deepEqual(errorsOf(...seconds), []);
  t.deepEqual(errorsOf(...updated((p) => (p.spec.tolerations![0]!.effect = 'NoExecute'))), [
    ['spec.tolerations', 'Forbidden: existing toleration can not be modified except its tolerationSeconds'],
  ]);
});

test('adding or removing a container is refused before anything else is compared', (t) => {
  t.deepEqual(errorsOf(...updated((p) => p.spec.containers.pop())), [['spec.containers', 'Forbidden: pod updates may not add or remove containers']]);
});

test('changing any other spec field is Forbidden with upstream text and a diff of the change', (t) => {
  const [next, old] = updated((p) => {
    p.spec.restartPolicy = 'Never';
    web(p).image = 'svclab/hello:2.0';
  });
  t.deepEqual(errorsOf(next, old), [
    [
      'spec',
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n' +
        '  v1.PodSpec{\n' +
        '- \trestartPolicy: "Always",\n' +
        '+ \trestartPolicy: "Never",\n' +
        '  }',
    ],
  ]);
});

test('the spec of an updated pod is validated as on create', (t) => {
  t.deepEqual(errorsOf(...updated((p) => (web(p).image = ''))), [
    ['spec.containers[0].image', 'Required value'],
    ['spec.containers[0].image', 'Required value'],
  ]);
});
