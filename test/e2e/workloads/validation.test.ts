import test from 'ava';
import { types, type ResourceType } from '../../../src/api/resources.js';
import type { KubeObject } from '../../../src/api/types.js';
import { e2e } from '../../helpers/root.js';
import { applyYaml, refusal, useLab } from './lab-session.js';

const it = e2e(test);
const s = useLab(it, 'invalid', ['--nodes', '1']);
const ns = 'invalid';

const subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const dns1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const portRange = 'must be between 1 and 65535, inclusive';

const container = { name: 'app', image: 'lab/hello' };
const template = (containers: unknown[], labels: Record<string, string> = { app: 'x' }) => ({ metadata: { labels }, spec: { containers } });
const workload = (name: string, containers: unknown[], labels?: Record<string, string>) => ({
  metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template: template(containers, labels) },
});

interface Case {
  title: string;
  type: ResourceType;
  object: unknown;
  kind: string;
  group?: string;
  /** [field, cause reason, cause message] in upstream's order. */
  causes: [string, string, string][];
}

const cases: Case[] = [
  {
    title: 'a Deployment name that is not a DNS-1123 subdomain',
    type: types.deployments,
    object: workload('Web_App', [container]),
    kind: 'Deployment',
    group: 'apps',
    causes: [['metadata.name', 'FieldValueInvalid', `Invalid value: "Web_App": ${subdomain}`]],
  },
  {
    title: 'a Service name that is not a DNS-1035 label',
    type: types.services,
    object: { metadata: { name: '9-lives' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } },
    kind: 'Service',
    causes: [['metadata.name', 'FieldValueInvalid', `Invalid value: "9-lives": ${dns1035}`]],
  },
  {
    title: 'a pod container without an image',
    type: types.pods,
    object: { metadata: { name: 'noimage' }, spec: { containers: [{ name: 'app' }] } },
    kind: 'Pod',
    causes: [['spec.containers[0].image', 'FieldValueRequired', 'Required value']],
  },
  {
    title: 'a Deployment whose template has two containers of one name',
    type: types.deployments,
    object: workload('twins', [container, { name: 'app', image: 'nginx' }]),
    kind: 'Deployment',
    group: 'apps',
    causes: [['spec.template.spec.containers[1].name', 'FieldValueDuplicate', 'Duplicate value: "app"']],
  },
  {
    title: 'pod container ports out of range or missing',
    type: types.pods,
    object: { metadata: { name: 'badports' }, spec: { containers: [{ ...container, ports: [{ containerPort: 70000 }, { containerPort: 0, name: 'http' }] }] } },
    kind: 'Pod',
    causes: [
      ['spec.containers[0].ports[0].containerPort', 'FieldValueInvalid', `Invalid value: 70000: ${portRange}`],
      ['spec.containers[0].ports[1].containerPort', 'FieldValueRequired', 'Required value'],
    ],
  },
  {
    title: 'Service port and targetPort out of range',
    type: types.services,
    object: { metadata: { name: 'badports' }, spec: { selector: { app: 'x' }, ports: [{ port: 70000, targetPort: 70001 }] } },
    kind: 'Service',
    causes: [
      ['spec.ports[0].port', 'FieldValueInvalid', `Invalid value: 70000: ${portRange}`],
      ['spec.ports[0].targetPort', 'FieldValueInvalid', `Invalid value: 70001: ${portRange}`],
    ],
  },
  {
    title: 'a ReplicaSet whose selector does not select its template',
    type: types.replicasets,
    object: workload('mismatch', [container], { app: 'other' }),
    kind: 'ReplicaSet',
    group: 'apps',
    causes: [['spec.template.metadata.labels', 'FieldValueInvalid', 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`']],
  },
];

it.serial.before(async () => {
  await s.client.create(types.namespaces, { metadata: { name: ns } });
});

async function nothingIn(namespace: string): Promise<string[]> {
  const found: string[] = [];
  for (const t of [types.pods, types.services, types.deployments, types.replicasets]) {
    for (const o of (await s.client.list<KubeObject>(t, namespace)).items) found.push(`${t.plural}/${o.metadata.name}`);
  }
  return found;
}

for (const c of cases) {
  it.serial(`${c.title} is refused with 422 Invalid and field causes; nothing is stored`, async (t) => {
    const status = await refusal(t, s.client.create(c.type, c.object as KubeObject, ns));
    const name = (c.object as KubeObject).metadata.name!;
    const qualified = c.group ? `${c.kind}.${c.group}` : c.kind;
    const errors = c.causes.map(([field, , message]) => `${field}: ${message}`);
    t.is(status.code, 422);
    t.is(status.reason, 'Invalid');
    t.is(status.message, `${qualified} "${name}" is invalid: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`);
    t.like(status.details, { name, kind: c.kind, ...(c.group ? { group: c.group } : {}) });
    t.deepEqual(status.details?.causes, c.causes.map(([field, reason, message]) => ({ reason, message, field })));
    t.deepEqual(await nothingIn(ns), []);
  });
}

it.serial('lab apply of bad manifests prints each server error, exits non-zero and creates nothing', async (t) => {
  const r = await applyYaml(
    s,
    `apiVersion: v1
kind: Pod
metadata:
  name: noimage
spec:
  containers:
  - name: app
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: Web_App
spec:
  selector:
    matchLabels:
      app: x
  template:
    metadata:
      labels:
        app: x
    spec:
      containers:
      - name: app
        image: lab/hello
`,
    ns,
  );
  t.is(r.exitCode, 1);
  t.true(r.output.includes('Error from server (Invalid): Pod "noimage" is invalid: spec.containers[0].image: Required value'), r.output);
  t.true(r.output.includes(`Error from server (Invalid): Deployment.apps "Web_App" is invalid: metadata.name: Invalid value: "Web_App": ${subdomain}`), r.output);
  t.deepEqual(await nothingIn(ns), []);
});
