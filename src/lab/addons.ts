// What a fresh cluster runs besides its nodes: the cluster DNS (a kube-system
// Deployment behind the kube-dns Service, as CoreDNS is installed by kubeadm),
// the outside world's upstream zone for the seeds' external names, and with
// --ingress the ingress-nginx controller (as its cloud deploy.yaml installs it).
import fs from 'node:fs';
import YAML from 'yaml';
import { types, type ResourceType } from '../api/resources.js';
import type { GatewayClass, IngressClass } from '../api/networking.js';
import type { ClusterRole, Deployment, Endpoints, KubeObject, PolicyRule, RoleBinding, Service } from '../api/types.js';
import { CONTROLLER, GATEWAY_CONTROLLER } from '../ingress/model.js';
import { labDir } from './state.js';
import { isConflict, type ApiClient } from '../client/client.js';
import type { LabPlan } from './plan.js';

/** Names the outside DNS answers: the seeds' external services, all served by the external host. */
export function upstreamZone(plan: LabPlan): Record<string, string> {
  const web = plan.external.ip;
  const names = ['example.com', 'www.example.com', 'my.database.example.com', 'api.example.com', 'google.com', 'www.google.com'];
  return Object.fromEntries(names.map((n) => [n, `A ${web}`]));
}

export function writeUpstreamZone(plan: LabPlan, file: string): void {
  fs.writeFileSync(file, YAML.stringify(upstreamZone(plan)));
}

/** A ServiceAccount, and the ClusterRole + ClusterRoleBinding granting it `rules` (how kubeadm and ingress-nginx install theirs). */
function accountWithRole(namespace: string, account: string, role: string, rules: PolicyRule[], labels: Record<string, string> = {}): [ResourceType, KubeObject][] {
  const meta = (name: string) => ({ name, labels });
  const clusterRole: ClusterRole = { metadata: meta(role), rules };
  const binding: RoleBinding = {
    metadata: meta(role),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
  };
  return [
    [types.serviceaccounts, { metadata: { name: account, namespace, labels } }],
    [types.clusterroles, clusterRole],
    [types.clusterrolebindings, binding],
  ];
}

/** kubeadm's CoreDNS account: what the kubernetes plugin lists and watches. */
export function dnsAccess(): [ResourceType, KubeObject][] {
  return accountWithRole('kube-system', 'coredns', 'system:coredns', [
    { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
  ]);
}

export function dnsObjects(plan: LabPlan): { deployment: Deployment; service: Service } {
  const labels = { 'k8s-app': 'kube-dns' };
  const deployment: Deployment = {
    metadata: { name: 'coredns', namespace: 'kube-system', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      template: {
        metadata: { labels },
        spec: {
          // The DNS server must not resolve through itself.
          dnsPolicy: 'Default',
          serviceAccountName: 'coredns',
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'coredns',
              image: 'svclab/dns',
              args: ['--in-cluster', '--zone', plan.clusterDomain, '--listen', '0.0.0.0:53', '--upstream', plan.external.dnsIP],
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
              ],
              readinessProbe: { tcpSocket: { port: 53 }, periodSeconds: 1, failureThreshold: 2 },
              livenessProbe: { tcpSocket: { port: 53 }, initialDelaySeconds: 10, periodSeconds: 5, failureThreshold: 3 },
            },
          ],
        },
      },
    },
  };
  const service: Service = {
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      selector: labels,
      clusterIP: plan.clusterDNS,
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  };
  return { deployment, service };
}

export const INGRESS_NAMESPACE = 'ingress-nginx';
export const INGRESS_SERVICE = 'ingress-nginx-controller';

/** The ingress-nginx addon: namespace, controller Deployment behind a LoadBalancer Service, IngressClass and GatewayClass. */
export function ingressObjects(plan: LabPlan): [ResourceType, KubeObject][] {
  const labels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
  const ns = INGRESS_NAMESPACE;
  const deployment: Deployment = {
    metadata: { name: INGRESS_SERVICE, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'ingress-nginx',
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'controller',
              image: 'svclab/ingress-nginx',
              args: [
                '--in-cluster',
                '--publish-service', `${ns}/${INGRESS_SERVICE}`,
                '--ingress-class', 'nginx',
                // On the netns runtime pods share the host's files: nginx's directory goes with the lab's state.
                '--work-dir', `${labDir(plan.name)}/ingress-nginx`,
              ],
              ports: [
                { name: 'http', containerPort: 80, protocol: 'TCP' },
                { name: 'https', containerPort: 443, protocol: 'TCP' },
              ],
              readinessProbe: { httpGet: { path: '/healthz', port: 10254 }, periodSeconds: 1, failureThreshold: 2 },
              livenessProbe: { httpGet: { path: '/healthz', port: 10254 }, initialDelaySeconds: 10, periodSeconds: 5, failureThreshold: 3 },
            },
          ],
        },
      },
    },
  };
  const service: Service = {
    metadata: { name: INGRESS_SERVICE, namespace: ns, labels },
    spec: {
      type: 'LoadBalancer',
      // The client's address reaches nginx (X-Forwarded-For), as ingress-nginx's cloud manifest sets it.
      externalTrafficPolicy: 'Local',
      selector: labels,
      ports: [
        { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' },
      ],
    },
  };
  const ingressClass: IngressClass = {
    metadata: { name: 'nginx', labels, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: CONTROLLER },
  };
  const gatewayClass: GatewayClass = { metadata: { name: 'nginx' }, spec: { controllerName: GATEWAY_CONTROLLER, description: 'Gateways served by the ingress-nginx pods' } };
  const read = ['get', 'list', 'watch'];
  // What the controller reads and the status it writes (ingress-nginx's own role, for this lab's resources).
  const access = accountWithRole(ns, 'ingress-nginx', 'ingress-nginx', [
    { apiGroups: [''], resources: ['namespaces', 'services', 'secrets', 'endpoints'], verbs: read },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: read },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['update'] },
    { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses', 'gateways', 'httproutes'], verbs: read },
    { apiGroups: ['gateway.networking.k8s.io'], resources: ['gatewayclasses/status', 'gateways/status', 'httproutes/status'], verbs: ['update'] },
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ], labels);
  return [
    [types.namespaces, { metadata: { name: ns, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }],
    ...access,
    [types.ingressclasses, ingressClass],
    [types.gatewayclasses, gatewayClass],
    [types.services, service],
    [types.deployments, deployment],
  ];
}

export async function installAddons(client: ApiClient, plan: LabPlan): Promise<void> {
  const { deployment, service } = dnsObjects(plan);
  const objects: [ResourceType, KubeObject][] = [
    ...dnsAccess(),
    [types.services, service],
    [types.deployments, deployment],
    ...(plan.ingress ? ingressObjects(plan) : []),
  ];
  for (const [t, obj] of objects) {
    try {
      await client.create(t, obj, obj.metadata.namespace);
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
}

/** The ingress controller is ready and, with a pool, has its load-balancer address. */
export async function ingressReady(client: ApiClient, plan: LabPlan): Promise<boolean> {
  try {
    const d = await client.get<Deployment>(types.deployments, INGRESS_SERVICE, INGRESS_NAMESPACE);
    const svc = await client.get<Service>(types.services, INGRESS_SERVICE, INGRESS_NAMESPACE);
    const addressed = plan.lbPool === 'none' || !!svc.status?.loadBalancer?.ingress?.[0]?.ip;
    return (d.status?.readyReplicas ?? 0) >= (d.spec.replicas ?? 1) && addressed;
  } catch {
    return false;
  }
}

/** Every replica of the cluster DNS is ready and behind the kube-dns Service. */
export async function dnsReady(client: ApiClient): Promise<boolean> {
  try {
    const d = await client.get<Deployment>(types.deployments, 'coredns', 'kube-system');
    const ep = await client.get<Endpoints>(types.endpoints, 'kube-dns', 'kube-system');
    const want = d.spec.replicas ?? 1;
    const ready = (ep.subsets ?? []).reduce((n, s) => Math.max(n, (s.addresses ?? []).length), 0);
    return d.status?.readyReplicas === want && d.status?.replicas === want && ready === want;
  } catch {
    return false;
  }
}
