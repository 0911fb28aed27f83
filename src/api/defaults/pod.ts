// Server-side defaults for Pods, Deployments and ReplicaSets, as pkg/apis/core/v1/defaults.go,
// pkg/apis/apps/v1/defaults.go and the DefaultTolerationSeconds admission plugin fill them in.
// Everything mutates in place and leaves values the user gave alone.
import type { Container, Deployment, Pod, PodSpec, PodTemplateSpec, Probe, ReplicaSet } from '../types.js';

// The docker reference grammar (distribution/reference), enough to find an image's tag.
const nameComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const referenceRe = new RegExp(`^(?:${domain}/)?${nameComponent}(?:/${nameComponent})*(?::(${tag}))?(?:@(${digest}))?$`);

/** parsers.ParseImageName's tag: "latest" when neither tag nor digest is given, "" when unparsable. */
function imageTag(image: string | undefined): string {
  const m = referenceRe.exec(image ?? '');
  if (!m) return '';
  return m[1] ?? (m[2] ? '' : 'latest');
}

function defaultProbe(probe: Probe): void {
  probe.timeoutSeconds ||= 1;
  probe.periodSeconds ||= 10;
  probe.successThreshold ||= 1;
  probe.failureThreshold ||= 3;
  if (probe.httpGet) {
    probe.httpGet.path ||= '/';
    probe.httpGet.scheme ||= 'HTTP';
  }
}

function defaultContainer(c: Container): void {
  c.imagePullPolicy ||= imageTag(c.image) === 'latest' ? 'Always' : 'IfNotPresent';
  c.terminationMessagePath ||= '/dev/termination-log';
  c.terminationMessagePolicy ||= 'File';
  c.resources ??= {};
  for (const port of c.ports ?? []) port.protocol ||= 'TCP';
  for (const env of c.env ?? []) if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ||= 'v1';
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) if (probe) defaultProbe(probe);
}

function allContainers(spec: PodSpec): Container[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
}

/** SetDefaults_PodSpec and the container defaults: what pods and pod templates alike get. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ||= 'default-scheduler';
  for (const c of allContainers(spec)) defaultContainer(c);
}

/** SetDefaults_Pod: requests default to limits, per resource. */
function defaultRequestsToLimits(c: Container): void {
  const resources = c.resources as { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
  if (resources.limits) resources.requests = { ...resources.limits, ...resources.requests };
}

const defaultTolerationSeconds = 300;

/** The DefaultTolerationSeconds admission plugin: ride out a NotReady or unreachable node for 5 minutes. */
function addDefaultTolerations(spec: PodSpec): void {
  const tolerations = spec.tolerations ?? [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const tolerated = tolerations.some((t) => (!t.key || t.key === key) && (!t.effect || t.effect === 'NoExecute'));
    if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds });
  }
  spec.tolerations = tolerations;
}

/** Pod-only defaults on top of the spec's: templates in workloads never get these. */
export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  defaultPodSpec(pod.spec);
  for (const c of allContainers(pod.spec)) defaultRequestsToLimits(c);
  pod.spec.enableServiceLinks ??= true;
  addDefaultTolerations(pod.spec);
}

function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/** SetDefaults_Deployment (apps/v1). */
export function defaultDeployment(d: Deployment): void {
  if (!d.spec) return;
  const spec = d.spec;
  spec.replicas ??= 1;
  const strategy = (spec.strategy ??= {});
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = (strategy.rollingUpdate ??= {});
    rollingUpdate.maxUnavailable ??= '25%';
    rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultTemplate(spec.template);
}

/** SetDefaults_ReplicaSet (apps/v1). */
export function defaultReplicaSet(rs: ReplicaSet): void {
  if (!rs.spec) return;
  rs.spec.replicas ??= 1;
  defaultTemplate(rs.spec.template);
}
