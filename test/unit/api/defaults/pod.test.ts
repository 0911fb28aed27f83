import test from 'ava';
import { defaultDeployment, defaultPod, defaultPodSpec, defaultReplicaSet } from '../../../../src/api/defaults/pod.js';
import type { Container, Deployment, Pod, ReplicaSet } from '../../../../src/api/types.js';

// seeds/004's ms-bye deployment, as applied.
function msByeDep(): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { labels: { app: 'ms-bye-dep' }, name: 'ms-bye-dep' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'ms-bye-pods' } },
      template: {
        metadata: { labels: { app: 'ms-bye-pods' } },
        spec: { containers: [{ image: 'pgolard/ms-bye:v4', name: 'ms-bye', ports: [{ containerPort: 9999 }] }] },
      },
    },
  };
}

const defaultedMsByeContainer = {
  image: 'pgolard/ms-bye:v4',
  imagePullPolicy: 'IfNotPresent',
  name: 'ms-bye',
  ports: [{ containerPort: 9999, protocol: 'TCP' }],
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

const defaultedTemplateSpec = {
  containers: [defaultedMsByeContainer],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

const nodeLossTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

function podWith(containers: Container[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers } };
}

test('a seed deployment gets the spec a real API server stores', (t) => {
  const d = msByeDep();
  defaultDeployment(d);
  t.deepEqual(d.spec, {
    progressDeadlineSeconds: 600,
    replicas: 2,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'ms-bye-pods' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: { metadata: { labels: { app: 'ms-bye-pods' } }, spec: defaultedTemplateSpec },
  });
});

test('a pod gets the spec defaults plus enableServiceLinks and the node-loss tolerations', (t) => {
  const p = podWith([{ image: 'pgolard/ms-bye:v4', name: 'ms-bye', ports: [{ containerPort: 9999 }] }]);
  defaultPod(p);
  t.deepEqual(p.spec, { ...defaultedTemplateSpec, enableServiceLinks: true, tolerations: nodeLossTolerations });
});

test('pod templates get neither enableServiceLinks nor tolerations', (t) => {
  const d = msByeDep();
  defaultDeployment(d);
  t.false('enableServiceLinks' in d.spec.template.spec);
  t.false('tolerations' in d.spec.template.spec);
});

test('imagePullPolicy is Always for latest or untagged images and IfNotPresent otherwise', (t) => {
  const policy = (image: string) => {
    const p = podWith([{ name: 'c', image }]);
    defaultPod(p);
    return p.spec.containers[0]!.imagePullPolicy;
  };
  t.is(policy('nginx'), 'Always');
  t.is(policy('nginx:latest'), 'Always');
  t.is(policy('localhost:5000/team/app'), 'Always');
  t.is(policy('nginx:1.27'), 'IfNotPresent');
  t.is(policy('registry.example.com:5000/app:v1'), 'IfNotPresent');
  t.is(policy(`nginx@sha256:${'a'.repeat(64)}`), 'IfNotPresent');
  t.is(policy(`nginx:latest@sha256:${'a'.repeat(64)}`), 'Always');
  t.is(policy('team/Nginx'), 'IfNotPresent', 'an unparsable reference has no tag');
});

test('values the user gave are kept, including zero where Go keeps a set pointer', (t) => {
  const p = podWith([{ name: 'c', image: 'nginx', imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError', ports: [{ containerPort: 53, protocol: 'UDP' }] }]);
  Object.assign(p.spec, { restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0, enableServiceLinks: false, schedulerName: 'mine' });
  defaultPod(p);
  t.like(p.spec, { restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0, enableServiceLinks: false, schedulerName: 'mine' });
  t.like(p.spec.containers[0], { imagePullPolicy: 'Never', terminationMessagePolicy: 'FallbackToLogsOnError', ports: [{ containerPort: 53, protocol: 'UDP' }] });
});

test('probes get timing defaults, replacing zeros, and httpGet gets path / and scheme HTTP', (t) => {
  const p = podWith([
    {
      name: 'c',
      image: 'nginx',
      readinessProbe: { httpGet: { port: 80 }, periodSeconds: 2 },
      livenessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 0, failureThreshold: 5 },
    },
  ]);
  defaultPod(p);
  const c = p.spec.containers[0]!;
  t.deepEqual(c.readinessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, periodSeconds: 2, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  t.deepEqual(c.livenessProbe, { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 5 });
  t.false('startupProbe' in c);
});

test('env fieldRefs default to apiVersion v1', (t) => {
  const p = podWith([{ name: 'c', image: 'nginx', env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] }]);
  defaultPod(p);
  t.deepEqual(p.spec.containers[0]!.env, [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP', apiVersion: 'v1' } } }]);
});

test('init containers get container defaults too', (t) => {
  const p = podWith([{ name: 'c', image: 'nginx' }]);
  p.spec.initContainers = [{ name: 'init', image: 'busybox:1.36' }];
  defaultPod(p);
  t.like(p.spec.initContainers[0], { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {} });
});

test('pod container requests default to their limits, per resource', (t) => {
  const p = podWith([{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '100m' } } }]);
  defaultPod(p);
  t.deepEqual(p.spec.containers[0]!.resources, { limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
});

test('node-loss tolerations are only added for what the pod does not already tolerate', (t) => {
  const own = podWith([{ name: 'c', image: 'nginx' }]);
  own.spec.tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }];
  defaultPod(own);
  t.deepEqual(own.spec.tolerations, [own.spec.tolerations[0], nodeLossTolerations[1]]);

  const everything = podWith([{ name: 'c', image: 'nginx' }]);
  everything.spec.tolerations = [{ operator: 'Exists' }];
  defaultPod(everything);
  t.deepEqual(everything.spec.tolerations, [{ operator: 'Exists' }]);

  const noSchedule = podWith([{ name: 'c', image: 'nginx' }]);
  noSchedule.spec.tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }];
  defaultPod(noSchedule);
  t.deepEqual(noSchedule.spec.tolerations, [noSchedule.spec.tolerations[0], ...nodeLossTolerations]);
});

test('defaulting twice changes nothing the second time', (t) => {
  const p = podWith([{ name: 'c', image: 'nginx', readinessProbe: { httpGet: { port: 80 } } }]);
  defaultPod(p);
  const once = structuredClone(p);
  defaultPod(p);
  t.deepEqual(p, once);
  const d = msByeDep();
  defaultDeployment(d);
  const dOnce = structuredClone(d);
  defaultDeployment(d);
  t.deepEqual(d, dOnce);
});

test('a pod without a spec gets one, which validation then finds has no containers', (t) => {
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } as unknown as Pod;
  defaultPod(p);
  t.deepEqual(p.spec.containers, []);
  t.is(p.spec.restartPolicy, 'Always');
});

test('defaultPodSpec leaves pod-only fields alone', (t) => {
  const spec = { containers: [{ name: 'c', image: 'nginx' }] };
  defaultPodSpec(spec);
  t.deepEqual(Object.keys(spec).sort(), ['containers', 'dnsPolicy', 'restartPolicy', 'schedulerName', 'securityContext', 'terminationGracePeriodSeconds']);
});

test('a Recreate deployment gets no rollingUpdate, and kept settings survive', (t) => {
  const d = msByeDep();
  d.spec.strategy = { type: 'Recreate' };
  d.spec.revisionHistoryLimit = 0;
  delete d.spec.replicas;
  defaultDeployment(d);
  t.deepEqual(d.spec.strategy, { type: 'Recreate' });
  t.like(d.spec, { revisionHistoryLimit: 0, replicas: 1 });
});

test('a partial rollingUpdate keeps its value and gets the other one', (t) => {
  const d = msByeDep();
  d.spec.strategy = { rollingUpdate: { maxSurge: 1 } };
  defaultDeployment(d);
  t.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
});

test('a replicaset gets one replica and template defaults', (t) => {
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'ms-bye-rs' },
    spec: { selector: { matchLabels: { app: 'ms-bye-pods' } }, template: msByeDep().spec.template },
  };
  defaultReplicaSet(rs);
  t.is(rs.spec.replicas, 1);
  t.deepEqual(rs.spec.template.spec, defaultedTemplateSpec);
});
