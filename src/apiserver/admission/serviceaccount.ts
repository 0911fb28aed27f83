// The ServiceAccount admission plugin, as upstream's: a pod runs as spec.serviceAccountName
// ("default" unless set), which must exist (the default one is waited for a moment, since the
// controller-manager creates it right after its namespace), and unless automountServiceAccountToken
// is false on the pod or the account, gets the projected `kube-api-access-<5>` volume (a bound
// token, the cluster CA, its namespace) mounted read-only in every container.
import { forbidden, type ApiError } from '../../api/errors.js';
import type { Container, Pod, ServiceAccount, Volume } from '../../api/types.js';
import { randomSuffix, type Strategy } from '../registry.js';
import type { ObjectStore } from '../store.js';

const tokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
const rootCAConfigMap = 'kube-root-ca.crt';
/** upstream's WarnOnlyBoundTokenExpirationSeconds: what the admission asks for each pod's token. */
const tokenExpirationSeconds = 3607;

export function apiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: tokenExpirationSeconds, path: 'token' } },
        { configMap: { name: rootCAConfigMap, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Adds the token volume and mounts (pure: what the plugin does once the account is known). */
function mountServiceAccountToken(pod: Pod, account: ServiceAccount | undefined): void {
  const spec = pod.spec;
  const automount = spec.automountServiceAccountToken ?? account?.automountServiceAccountToken ?? true;
  if (!automount) return;
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  // Already mounted by the user (their own projected token, say): leave the pod as it is.
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === tokenMountPath))) return;
  const taken = new Set((spec.volumes ?? []).map((v) => v.name));
  let name: string;
  do name = `kube-api-access-${randomSuffix(5)}`;
  while (taken.has(name));
  spec.volumes = [...(spec.volumes ?? []), apiAccessVolume(name)];
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: tokenMountPath }];
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function serviceAccountAdmission(store: ObjectStore): NonNullable<Strategy['admit']> {
  return async (obj, namespace) => {
    const pod = obj as Pod;
    if (!pod.spec || typeof pod.spec !== 'object') return; // validation answers that
    if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) return;
    const name = pod.spec.serviceAccountName || (pod.spec.serviceAccount as string | undefined) || 'default';
    pod.spec.serviceAccountName = name;
    const key = `${namespace}/${name}`;
    // As upstream, the default account gets ten tries 100-200 ms apart.
    let account = store.get('core/serviceaccounts', key) as ServiceAccount | undefined;
    for (let i = 1; !account && name === 'default' && i < 10; i++) {
      await wait(100 + Math.floor(Math.random() * 100));
      account = store.get('core/serviceaccounts', key) as ServiceAccount | undefined;
    }
    if (!account) throw refuse(pod, `error looking up service account ${key}: serviceaccount "${name}" not found`);
    mountServiceAccountToken(pod, account);
  };
}

function refuse(pod: Pod, why: string): ApiError {
  return forbidden('pods', pod.metadata.name ?? pod.metadata.generateName ?? '', why);
}
