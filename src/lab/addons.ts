// What a fresh cluster runs besides its nodes: the cluster DNS (a kube-system
// Deployment behind the kube-dns Service, as CoreDNS is installed by kubeadm),
// the outside world's upstream zone for the seeds' external names, and with
// --ingress the ingress-nginx controller (as its cloud deploy.yaml installs it).
import fs from 'node:fs';
import YAML from 'yaml';
import { types } from '../api/resources.js';
import type { GatewayClass, IngressClass } from '../api/networking.js';
import type { ClusterRole, Deployment, Endpoints, KubeObject, PolicyRule, Role, RoleBinding, Service, ServiceAccount } from '../api/types.js';
import { rule } from '../apiserver/bootstrap/roles.js';
import { CONTROLLER, GATEWAY_CONTROLLER } from '../ingress/model.js';
import { labDir } from './state.js';
import { isConflict, type ApiClient } from '../client/client.js';
import type { LabPlan } from './plan.js';

/** Names the outside DNS answers: the seeds' external services, all served by the external host. */
function upstreamZone(plan: LabPlan): Record<string, string> {
  const web = plan.external.ip;
  const names = ['example.com', 'www.example.com', 'my.database.example.com', 'api.example.com', 'google.com', 'www.google.com'];
  return Object.fromEntries(names.map((n) => [n, `A ${web}`]));
}

export function writeUpstreamZone(plan: LabPlan, file: string): void {
  fs.writeFileSync(file, YAML.stringify(upstreamZone(plan)));
}

const rbacVersion = 'rbac.authorization.k8s.io/v1';

function serviceAccount(namespace: string, name: string, labels?: Record<string, string>): ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, ...(labels ? { labels } : {}) } };
}

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return { apiVersion: rbacVersion, kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules };
}

/** A (Cluster)RoleBinding of a ServiceAccount to a role of the same name as the binding. */
function bindingTo(kind: 'ClusterRole' | 'Role', name: string, role: string, sa: ServiceAccount, labels?: Record<string, string>): RoleBinding {
  const namespaced = kind === 'Role';
  return {
    apiVersion: rbacVersion,
    kind: namespaced ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: { name, ...(namespaced ? { namespace: sa.metadata.namespace } : {}), ...(labels ? { labels } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
    subjects: [{ kind: 'ServiceAccount', name: sa.metadata.name!, namespace: sa.metadata.namespace }],
  };
}

/** CoreDNS's ServiceAccount and the system:coredns role kubeadm gives it: it lists and watches what it answers from. */
export function dnsAccess(): { account: ServiceAccount; role: ClusterRole; binding: RoleBinding } {
  const account = serviceAccount('kube-system', 'coredns');
  const role = clusterRole('system:coredns', [rule('list watch', 'core', 'endpoints services pods namespaces'), rule('list watch', 'discovery.k8s.io', 'endpointslices')], { 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  return { account, role, binding: bindingTo('ClusterRole', 'system:coredns', 'system:coredns', account, { 'kubernetes.io/bootstrapping': 'rbac-defaults' }) };
}

function dnsObjects(plan: LabPlan): { deployment: Deployment; service: Service } {
  const labels = { 'k8s-app': 'kube-dns' };
  const { account } = dnsAccess();
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
          serviceAccountName: account.metadata.name,
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

/**
 * The controller's ServiceAccount with the roles ingress-nginx's deploy.yaml gives
 * it (the admission webhook's left out: the lab has none), and one for the
 * Gateway API, which the lab's controller also serves.
 */
export function ingressAccess(): [typeof types.services, KubeObject][] {
  const labels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
  const ns = INGRESS_NAMESPACE;
  const account = serviceAccount(ns, 'ingress-nginx', labels);
  const read = 'get list watch';
  const cluster = clusterRole('ingress-nginx', [
    rule('list watch', 'core', 'configmaps endpoints nodes pods secrets namespaces'),
    rule('list watch', 'coordination.k8s.io', 'leases'),
    rule('get', 'core', 'nodes'),
    rule(read, 'core', 'services'),
    rule(read, 'networking.k8s.io', 'ingresses'),
    rule('create patch', 'core', 'events'),
    rule('update', 'networking.k8s.io', 'ingresses/status'),
    rule(read, 'networking.k8s.io', 'ingressclasses'),
    rule('get list watch', 'discovery.k8s.io', 'endpointslices'),
  ], labels);
  const role: Role = {
    apiVersion: rbacVersion,
    kind: 'Role',
    metadata: { name: 'ingress-nginx', namespace: ns, labels },
    rules: [
      rule('get', 'core', 'namespaces'),
      rule(read, 'core', 'configmaps pods secrets endpoints'),
      rule(read, 'core', 'services'),
      rule(read, 'networking.k8s.io', 'ingresses'),
      rule('update', 'networking.k8s.io', 'ingresses/status'),
      rule(read, 'networking.k8s.io', 'ingressclasses'),
      rule('get update', 'coordination.k8s.io', 'leases', 'ingress-nginx-leader'),
      rule('create', 'coordination.k8s.io', 'leases'),
      rule('create patch', 'core', 'events'),
      rule('get list watch', 'discovery.k8s.io', 'endpointslices'),
    ],
  };
  const gateway = clusterRole('ingress-nginx-gateway-api', [
    rule(read, 'gateway.networking.k8s.io', 'gatewayclasses gateways httproutes'),
    rule('update', 'gateway.networking.k8s.io', 'gatewayclasses/status gateways/status httproutes/status'),
  ], labels);
  return [
    [types.serviceaccounts, account],
    [types.clusterroles, cluster],
    [types.clusterrolebindings, bindingTo('ClusterRole', 'ingress-nginx', 'ingress-nginx', account, labels)],
    [types.roles, role],
    [types.rolebindings, bindingTo('Role', 'ingress-nginx', 'ingress-nginx', account, labels)],
    [types.clusterroles, gateway],
    [types.clusterrolebindings, bindingTo('ClusterRole', 'ingress-nginx-gateway-api', 'ingress-nginx-gateway-api', account, labels)],
  ];
}

/** The ingress-nginx addon: namespace, access, controller Deployment behind a LoadBalancer Service, IngressClass and GatewayClass. */
function ingressObjects(plan: LabPlan): [typeof types.services, KubeObject][] {
  const labels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
  const ns = INGRESS_NAMESPACE;
  const access = ingressAccess();
  const account = access[0]![1] as ServiceAccount;
  const deployment: Deployment = {
    metadata: { name: INGRESS_SERVICE, namespace: ns, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: account.metadata.name,
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
  const dns = dnsAccess();
  const objects: [typeof types.services, KubeObject][] = [
    [types.serviceaccounts, dns.account],
    [types.clusterroles, dns.role],
    [types.clusterrolebindings, dns.binding],
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
