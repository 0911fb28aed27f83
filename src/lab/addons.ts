// What a fresh cluster runs besides its nodes: the cluster DNS (a kube-system
// Deployment behind the kube-dns Service, as CoreDNS is installed by kubeadm),
// and the outside world's upstream zone for the seeds' external names.
import fs from 'node:fs';
import YAML from 'yaml';
import { types } from '../api/resources.js';
import type { Deployment, Endpoints, Service } from '../api/types.js';
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
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'coredns',
              image: 'svclab/dns',
              args: ['--server', 'http://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)', '--zone', plan.clusterDomain, '--listen', '0.0.0.0:53', '--upstream', plan.external.dnsIP],
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

export async function installAddons(client: ApiClient, plan: LabPlan): Promise<void> {
  const { deployment, service } = dnsObjects(plan);
  for (const [t, obj] of [
    [types.services, service],
    [types.deployments, deployment],
  ] as const) {
    try {
      await client.create(t, obj, 'kube-system');
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
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
