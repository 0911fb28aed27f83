import test from 'ava';
import { defaultDeployment, defaultPod, defaultReplicaSet } from '../../../../src/api/defaults/pod.js';
import type { Deployment, Pod, ReplicaSet } from '../../../../src/api/types.js';
import { validatePod } from '../../../../src/api/validation/pod.js';
import { validateDeployment, validateDeploymentName, validateReplicaSet, validateReplicaSetName } from '../../../../src/api/validation/workload.js';

// Every Deployment of the seed tutorials (seeds/004), copied unchanged.
const msByeDep: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    labels: {
      app: 'ms-bye-dep',
    },
    name: 'ms-bye-dep',
  },
  spec: {
    replicas: 2,
    selector: {
      matchLabels: {
        app: 'ms-bye-pods',
      },
    },
    template: {
      metadata: {
        labels: {
          app: 'ms-bye-pods',
        },
      },
      spec: {
        containers: [
          {
            image: 'pgolard/ms-bye:v4',
            name: 'ms-bye',
            ports: [
              {
                containerPort: 9999,
              },
            ],
          },
        ],
      },
    },
  },
};

const msHelloDep: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    labels: {
      app: 'ms-hello-dep',
    },
    name: 'ms-hello-dep',
  },
  spec: {
    replicas: 2,
    selector: {
      matchLabels: {
        app: 'ms-hello-pods',
      },
    },
    template: {
      metadata: {
        labels: {
          app: 'ms-hello-pods',
        },
      },
      spec: {
        containers: [
          {
            image: 'pgolard/ms-hello:v4',
            name: 'ms-hello',
            ports: [
              {
                containerPort: 7777,
              },
            ],
          },
        ],
      },
    },
  },
};

// The multi-container example.
const mcMornaftDep: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    labels: {
      app: 'mc-mornaft-dep',
    },
    name: 'mc-mornaft-dep',
  },
  spec: {
    replicas: 2,
    selector: {
      matchLabels: {
        app: 'mc-mornaft-pods',
      },
    },
    template: {
      metadata: {
        labels: {
          app: 'mc-mornaft-pods',
        },
      },
      spec: {
        containers: [
          {
            image: 'pgolard/multcont-morning:v3',
            name: 'multcont-morning',
            ports: [
              {
                containerPort: 1234,
              },
            ],
          },
          {
            image: 'pgolard/multcont-afternoon:v3',
            name: 'multcont-afternoon',
            ports: [
              {
                containerPort: 4321,
              },
            ],
          },
        ],
      },
    },
  },
};

// What `kubectl create deploy nginx --image=nginx` (seeds/004) sends, creationTimestamp: null left out.
const nginxDep: Deployment = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'nginx', labels: { app: 'nginx' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
    },
    strategy: {},
  },
  status: {},
};

const seedDeployments = [msByeDep, msHelloDep, mcMornaftDep, nginxDep];

function defaultedDeployment(d: Deployment): Deployment {
  const copy = structuredClone(d);
  defaultDeployment(copy);
  return copy;
}

function replicaSetOf(d: Deployment): ReplicaSet {
  const { replicas, selector, template } = structuredClone(d.spec);
  const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${d.metadata.name}-5d4c8b9f7`, namespace: 'default' }, spec: { replicas, selector, template } };
  defaultReplicaSet(rs);
  return rs;
}

function podOf(d: Deployment): Pod {
  const { metadata, spec } = structuredClone(d.spec.template);
  const p: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: `${d.metadata.name}-5d4c8b9f7-x2x9q`, namespace: 'default' }, spec };
  defaultPod(p);
  return p;
}

const pairs = (errs: { field: string; message: string }[]): [string, string][] => errs.map((e) => [e.field, e.message]);

test('deployment and replicaset names are DNS-1123 subdomains', (t) => {
  t.deepEqual(validateDeploymentName('ms-bye-dep'), []);
  t.deepEqual(validateReplicaSetName('ms-bye-dep.v2'), []);
  t.is(validateDeploymentName('MsBye').length, 1);
});

test('every deployment from the seed tutorials is valid once defaulted', (t) => {
  for (const d of seedDeployments) t.deepEqual(pairs(validateDeployment(defaultedDeployment(d), undefined)), [], d.metadata.name);
});

test('the replicasets and pods those deployments would create are valid once defaulted', (t) => {
  for (const d of seedDeployments) {
    t.deepEqual(pairs(validateReplicaSet(replicaSetOf(d), undefined)), [], d.metadata.name);
    t.deepEqual(pairs(validatePod(podOf(d), undefined)), [], d.metadata.name);
  }
});

interface Case {
  name: string;
  change: (d: Deployment) => void;
  errors: [string, string][];
}

const labelValueMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const keyNameMsg =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const invalidDeployments: Case[] = [
  {
    name: 'negative replicas',
    change: (d) => (d.spec.replicas = -1),
    errors: [['spec.replicas', 'Invalid value: -1: must be greater than or equal to 0']],
  },
  {
    name: 'no selector, which selects nothing, so the template cannot match',
    change: (d) => delete (d.spec as { selector?: unknown }).selector,
    errors: [
      ['spec.selector', 'Required value'],
      ['spec.template.metadata.labels', 'Invalid value: map[string]string{"app":"ms-bye-pods"}: `selector` does not match template `labels`'],
    ],
  },
  {
    name: 'an empty selector',
    change: (d) => (d.spec.selector = {}),
    errors: [['spec.selector', 'Invalid value: {}: empty selector is invalid for deployment']],
  },
  {
    name: 'a selector that does not match the template labels',
    change: (d) => (d.spec.selector = { matchLabels: { app: 'ms-hello-pods' } }),
    errors: [['spec.template.metadata.labels', 'Invalid value: map[string]string{"app":"ms-bye-pods"}: `selector` does not match template `labels`']],
  },
  {
    name: 'a template without labels',
    change: (d) => delete d.spec.template.metadata,
    errors: [['spec.template.metadata.labels', 'Invalid value: map[string]string(nil): `selector` does not match template `labels`']],
  },
  {
    name: 'a selector expression with an unknown operator',
    change: (d) => (d.spec.selector.matchExpressions = [{ key: 'tier', operator: 'Like' as 'In', values: ['web'] }]),
    errors: [
      ['spec.selector.matchExpressions[0].operator', 'Invalid value: "Like": not a valid selector operator'],
      ['spec.selector', 'Invalid value: {"matchLabels":{"app":"ms-bye-pods"},"matchExpressions":[{"key":"tier","operator":"Like","values":["web"]}]}: invalid label selector'],
    ],
  },
  {
    name: 'an In expression without values',
    change: (d) => (d.spec.selector.matchExpressions = [{ key: 'tier', operator: 'In' }]),
    errors: [
      ['spec.selector.matchExpressions[0].values', "Required value: must be specified when `operator` is 'In' or 'NotIn'"],
      ['spec.selector', 'Invalid value: {"matchLabels":{"app":"ms-bye-pods"},"matchExpressions":[{"key":"tier","operator":"In"}]}: invalid label selector'],
    ],
  },
  {
    name: 'an Exists expression with values',
    change: (d) => (d.spec.selector.matchExpressions = [{ key: 'app', operator: 'Exists', values: ['x'] }]),
    errors: [
      ['spec.selector.matchExpressions[0].values', "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
      ['spec.selector', 'Invalid value: {"matchLabels":{"app":"ms-bye-pods"},"matchExpressions":[{"key":"app","operator":"Exists","values":["x"]}]}: invalid label selector'],
    ],
  },
  {
    name: 'a matchLabels value with a space',
    change: (d) => (d.spec.selector.matchLabels = { app: 'ms bye' }),
    errors: [
      ['spec.selector.matchLabels', `Invalid value: "ms bye": ${labelValueMsg}`],
      ['spec.selector', 'Invalid value: {"matchLabels":{"app":"ms bye"}}: invalid label selector'],
    ],
  },
  {
    name: 'an invalid template label key, reported at spec.template.labels like upstream',
    change: (d) => (d.spec.template.metadata!.labels!['bad key'] = 'x'),
    errors: [['spec.template.labels', `Invalid value: "bad key": ${keyNameMsg}`]],
  },
  {
    name: 'a template restartPolicy of Never',
    change: (d) => (d.spec.template.spec.restartPolicy = 'Never'),
    errors: [['spec.template.spec.restartPolicy', 'Unsupported value: "Never": supported values: "Always"']],
  },
  {
    name: 'a template with activeDeadlineSeconds',
    change: (d) => (d.spec.template.spec.activeDeadlineSeconds = 30),
    errors: [['spec.template.spec.activeDeadlineSeconds', 'Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported']],
  },
  {
    name: 'a template container without an image',
    change: (d) => delete d.spec.template.spec.containers[0]!.image,
    errors: [['spec.template.spec.containers[0].image', 'Required value']],
  },
  {
    name: 'a template with two containers of one name',
    change: (d) => d.spec.template.spec.containers.push({ name: 'ms-bye', image: 'pgolard/ms-bye:v5' }),
    errors: [['spec.template.spec.containers[1].name', 'Duplicate value: "ms-bye"']],
  },
  {
    name: 'a template with dnsPolicy None and no dnsConfig',
    change: (d) => (d.spec.template.spec.dnsPolicy = 'None'),
    errors: [['spec.template.spec.dnsConfig', 'Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
  },
  {
    name: 'an unknown strategy type',
    change: (d) => (d.spec.strategy = { type: 'BlueGreen' as 'Recreate' }),
    errors: [['spec.strategy', 'Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"']],
  },
  {
    name: 'a Recreate strategy with rollingUpdate settings',
    change: (d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
    errors: [['spec.strategy.rollingUpdate', "Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
  },
  {
    name: 'maxSurge and maxUnavailable both 0',
    change: (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
    errors: [['spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: 0: may not be 0 when `maxSurge` is 0']],
  },
  {
    name: 'maxSurge and maxUnavailable both 0%',
    change: (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: '0%', maxUnavailable: '0%' } }),
    errors: [['spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: 0%: may not be 0 when `maxSurge` is 0']],
  },
  {
    name: 'maxUnavailable above 100%',
    change: (d) => (d.spec.strategy = { rollingUpdate: { maxUnavailable: '150%' } }),
    errors: [['spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: 150%: must not be greater than 100%']],
  },
  {
    name: 'a maxSurge that is neither a number nor a percentage',
    change: (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: 'abc' } }),
    errors: [
      [
        'spec.strategy.rollingUpdate.maxSurge',
        "Invalid value: abc: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
    ],
  },
  {
    name: 'a negative maxSurge',
    change: (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: -1 } }),
    errors: [['spec.strategy.rollingUpdate.maxSurge', 'Invalid value: -1: must be greater than or equal to 0']],
  },
  {
    name: 'negative minReadySeconds',
    change: (d) => (d.spec.minReadySeconds = -5),
    errors: [['spec.minReadySeconds', 'Invalid value: -5: must be greater than or equal to 0']],
  },
  {
    name: 'a negative revisionHistoryLimit',
    change: (d) => (d.spec.revisionHistoryLimit = -1),
    errors: [['spec.revisionHistoryLimit', 'Invalid value: -1: must be greater than or equal to 0']],
  },
  {
    name: 'a progress deadline no longer than minReadySeconds',
    change: (d) => {
      d.spec.minReadySeconds = 30;
      d.spec.progressDeadlineSeconds = 30;
    },
    errors: [['spec.progressDeadlineSeconds', 'Invalid value: 30: must be greater than minReadySeconds']],
  },
];

for (const c of invalidDeployments) {
  test(`refuses a deployment with ${c.name}`, (t) => {
    const d = structuredClone(msByeDep);
    c.change(d);
    defaultDeployment(d);
    t.deepEqual(pairs(validateDeployment(d, undefined)), c.errors);
  });
}

interface RsCase {
  name: string;
  change: (rs: ReplicaSet) => void;
  errors: [string, string][];
}

const invalidReplicaSets: RsCase[] = [
  {
    name: 'negative replicas',
    change: (rs) => (rs.spec.replicas = -2),
    errors: [['spec.replicas', 'Invalid value: -2: must be greater than or equal to 0']],
  },
  {
    name: 'negative minReadySeconds',
    change: (rs) => (rs.spec.minReadySeconds = -1),
    errors: [['spec.minReadySeconds', 'Invalid value: -1: must be greater than or equal to 0']],
  },
  {
    name: 'an empty selector, worded "for deployment" as upstream does',
    change: (rs) => (rs.spec.selector = {}),
    errors: [['spec.selector', 'Invalid value: {}: empty selector is invalid for deployment']],
  },
  {
    name: 'a selector that does not match the template labels',
    change: (rs) => (rs.spec.selector = { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['mc-mornaft-pods'] }] }),
    errors: [['spec.template.metadata.labels', 'Invalid value: map[string]string{"app":"mc-mornaft-pods"}: `selector` does not match template `labels`']],
  },
  {
    name: 'a template restartPolicy of OnFailure',
    change: (rs) => (rs.spec.template.spec.restartPolicy = 'OnFailure'),
    errors: [['spec.template.spec.restartPolicy', 'Unsupported value: "OnFailure": supported values: "Always"']],
  },
  {
    name: 'a template container port out of range',
    change: (rs) => (rs.spec.template.spec.containers[1]!.ports![0]!.containerPort = 65536),
    errors: [['spec.template.spec.containers[1].ports[0].containerPort', 'Invalid value: 65536: must be between 1 and 65535, inclusive']],
  },
];

for (const c of invalidReplicaSets) {
  test(`refuses a replicaset with ${c.name}`, (t) => {
    const rs = replicaSetOf(mcMornaftDep);
    c.change(rs);
    defaultReplicaSet(rs);
    t.deepEqual(pairs(validateReplicaSet(rs, undefined)), c.errors);
  });
}

test('scaling a deployment and changing its template are allowed updates', (t) => {
  const old = defaultedDeployment(msByeDep);
  const next = structuredClone(old);
  next.spec.replicas = 5;
  next.spec.template.spec.containers[0]!.image = 'pgolard/ms-bye:v5';
  next.spec.template.metadata!.labels!.version = 'v5';
  t.deepEqual(pairs(validateDeployment(next, old)), []);
});

test('a deployment selector is immutable in apps/v1', (t) => {
  const old = defaultedDeployment(msByeDep);
  const next = structuredClone(old);
  next.spec.template.metadata!.labels!.track = 'stable';
  next.spec.selector = { matchLabels: { app: 'ms-bye-pods', track: 'stable' } };
  t.deepEqual(pairs(validateDeployment(next, old)), [['spec.selector', 'Invalid value: {"matchLabels":{"app":"ms-bye-pods","track":"stable"}}: field is immutable']]);
});

test('a selector spelled with an empty matchExpressions list is the same selector', (t) => {
  const old = defaultedDeployment(msByeDep);
  const next = structuredClone(old);
  next.spec.selector.matchExpressions = [];
  t.deepEqual(pairs(validateDeployment(next, old)), []);
});

test('a replicaset selector is immutable in apps/v1', (t) => {
  const old = replicaSetOf(mcMornaftDep);
  const next = structuredClone(old);
  next.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['mc-mornaft-pods'] }] };
  t.deepEqual(pairs(validateReplicaSet(next, old)), [
    ['spec.selector', 'Invalid value: {"matchExpressions":[{"key":"app","operator":"In","values":["mc-mornaft-pods"]}]}: field is immutable'],
  ]);
  const scaled = structuredClone(old);
  scaled.spec.replicas = 0;
  t.deepEqual(pairs(validateReplicaSet(scaled, old)), []);
});
