// A container's environment as kubelet builds it: service links for the
// services that exist when the container starts, then the container's own
// variables (which win), with fieldRef values resolved.
import type { Container, Pod, Service } from '../../api/types.js';

function serviceName(svc: Service): string {
  return svc.metadata.name!.toUpperCase().replaceAll('-', '_');
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec.clusterIP;
  return !!ip && ip !== 'None' && svc.spec.type !== 'ExternalName';
}

/** Docker-links style variables for one service (kubelet's makeEnvironmentVariables). */
export function serviceLinkEnv(svc: Service): Record<string, string> {
  const env: Record<string, string> = {};
  const name = serviceName(svc);
  const ip = svc.spec.clusterIP!;
  const ports = svc.spec.ports ?? [];
  const first = ports[0];
  if (!first) return env;
  env[`${name}_SERVICE_HOST`] = ip;
  env[`${name}_SERVICE_PORT`] = String(first.port);
  for (const p of ports) if (p.name) env[`${name}_SERVICE_PORT_${p.name.toUpperCase().replaceAll('-', '_')}`] = String(p.port);
  const proto = (first.protocol ?? 'TCP').toLowerCase();
  env[`${name}_PORT`] = `${proto}://${ip}:${first.port}`;
  for (const p of ports) {
    const pr = p.protocol ?? 'TCP';
    const prefix = `${name}_PORT_${p.port}_${pr}`;
    env[prefix] = `${pr.toLowerCase()}://${ip}:${p.port}`;
    env[`${prefix}_PROTO`] = pr.toLowerCase();
    env[`${prefix}_PORT`] = String(p.port);
    env[`${prefix}_ADDR`] = ip;
  }
  return env;
}

/** Services visible to a pod: its namespace's (when enableServiceLinks) plus default/kubernetes. */
export function serviceEnv(pod: Pod, services: Service[]): Record<string, string> {
  const ns = pod.metadata.namespace;
  const links = pod.spec.enableServiceLinks !== false;
  const env: Record<string, string> = {};
  const visible = services.filter(hasClusterIP).filter((s) => (links && s.metadata.namespace === ns) || (s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes'));
  // The pod's own namespace wins over default/kubernetes on a name clash.
  visible.sort((a, b) => Number(a.metadata.namespace === ns) - Number(b.metadata.namespace === ns));
  for (const svc of visible) Object.assign(env, serviceLinkEnv(svc));
  return env;
}

export function fieldRefValue(pod: Pod, fieldPath: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return (pod.spec.serviceAccountName as string | undefined) ?? 'default';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    default: {
      const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
      if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]!] ?? '';
      return '';
    }
  }
}

/** Expands $(VAR) references the way kubelet does ($$ escapes). */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : name !== undefined && name in env ? env[name]! : m));
}

export function containerEnv(pod: Pod, container: Container, services: Service[], base: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...base, ...serviceEnv(pod, services) };
  for (const v of container.env ?? []) {
    if (v.value !== undefined) env[v.name] = expand(v.value, env);
    else if (v.valueFrom?.fieldRef) env[v.name] = fieldRefValue(pod, v.valueFrom.fieldRef.fieldPath);
    else env[v.name] = '';
  }
  return env;
}
