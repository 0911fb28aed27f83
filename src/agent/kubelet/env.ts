// A container's environment as kubelet builds it: service links for the
// services that exist when the container starts, then envFrom (ConfigMaps,
// Secrets), then the container's own variables (which win), with fieldRef,
// configMapKeyRef and secretKeyRef values resolved.
import type { ConfigMap, Container, Pod, Secret, Service } from '../../api/types.js';
import { isEnvVarName } from '../../api/validation/pod.js';

function serviceName(svc: Service): string {
  return svc.metadata.name!.toUpperCase().replaceAll('-', '_');
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec.clusterIP;
  return !!ip && ip !== 'None' && svc.spec.type !== 'ExternalName';
}

/** Docker-links style variables for one service (kubelet's makeEnvironmentVariables). */
function serviceLinkEnv(svc: Service): Record<string, string> {
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
function serviceEnv(pod: Pod, services: Service[]): Record<string, string> {
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

/** Where the kubelet reads ConfigMaps and Secrets; undefined = not found. */
export interface ConfigSource {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
}

/** A container whose configuration cannot be built: kubelet's CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/** One pod's ConfigMaps and Secrets as plain strings, each fetched once. */
class PodConfig {
  private readonly cache = new Map<string, Record<string, string> | undefined>();
  constructor(
    private readonly source: ConfigSource,
    private readonly namespace: string,
  ) {}

  /** The object's data (secrets decoded); undefined when missing and optional; throws otherwise. */
  async data(kind: 'configmap' | 'secret', name: string, optional: boolean): Promise<Record<string, string> | undefined> {
    const key = `${kind}/${name}`;
    if (!this.cache.has(key)) {
      const obj = kind === 'configmap' ? await this.source.configMap(this.namespace, name) : await this.source.secret(this.namespace, name);
      const raw = obj?.data;
      const data = obj ? Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, kind === 'secret' ? Buffer.from(v ?? '', 'base64').toString('utf8') : (v ?? '')])) : undefined;
      this.cache.set(key, data);
    }
    const data = this.cache.get(key);
    if (!data && !optional) throw new ContainerConfigError(`${kind} "${name}" not found`);
    return data;
  }
}

export interface EnvResult {
  env: Record<string, string>;
  /** Warnings for the pod's events (envFrom keys that are not variable names). */
  warnings: { reason: string; message: string }[];
}

/** makeEnvironmentVariables: service links < envFrom < env, $(VAR) expanded against what precedes. */
export async function containerEnv(pod: Pod, container: Container, services: Service[], base: Record<string, string>, source: ConfigSource): Promise<EnvResult> {
  const ns = pod.metadata.namespace ?? 'default';
  const config = new PodConfig(source, ns);
  const own: Record<string, string> = {};
  const warnings: EnvResult['warnings'] = [];
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const data = await config.data(kind, ref.name, ref.optional === true);
    if (!data) continue;
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const name = (from.prefix ?? '') + k;
      if (isEnvVarName(name).length > 0) invalid.push(name);
      else own[name] = v;
    }
    if (invalid.length > 0) {
      const label = kind === 'configmap' ? 'configMap' : 'secret';
      warnings.push({ reason: 'InvalidEnvironmentVariableNames', message: `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${label} ${ns}/${ref.name} were skipped since they are considered invalid environment variable names.` });
    }
  }
  const env: Record<string, string> = { ...base, ...serviceEnv(pod, services), ...own };
  for (const v of container.env ?? []) {
    const from = v.valueFrom;
    if (v.value !== undefined) env[v.name] = expand(v.value, env);
    else if (from?.fieldRef) env[v.name] = fieldRefValue(pod, from.fieldRef.fieldPath);
    else if (from?.configMapKeyRef || from?.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const kind = from.configMapKeyRef ? 'configmap' : 'secret';
      const optional = ref.optional === true;
      const data = await config.data(kind, ref.name, optional);
      if (!data) continue;
      if (!(ref.key in data)) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${ns}/${ref.name}`);
      }
      env[v.name] = data[ref.key]!;
    } else env[v.name] = '';
  }
  return { env, warnings };
}
