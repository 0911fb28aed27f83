// The lab's kubeconfig (/run/svclab/<lab>/kubeconfig) for the real kubectl, and
// a per-lab discovery cache so kubectl leaves the host's ~/.kube as it found it.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { labDir, paths, serverUrl, type LabState } from './state.js';

export const kubectlBinary = process.env.SVCLAB_KUBECTL ?? '/usr/bin/kubectl';

function kubectlCacheDir(name: string): string {
  return path.join(labDir(name), 'kubectl-cache');
}

/** The argv that runs kubectl against a lab. */
export function kubectlArgv(lab: string, args: string[]): string[] {
  return [kubectlBinary, '--kubeconfig', paths.kubeconfig(lab), '--cache-dir', kubectlCacheDir(lab), ...args];
}

export function writeKubeconfig(state: LabState): string {
  const id = `svclab-${state.plan.name}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: id, cluster: { server: serverUrl(state) } }],
    users: [{ name: id, user: {} }],
    contexts: [{ name: id, context: { cluster: id, user: id, namespace: 'default' } }],
    'current-context': id,
  };
  const file = paths.kubeconfig(state.plan.name);
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** How to point kubectl at the lab, as `lab up` prints it. */
export function kubeconfigUsage(name: string): string {
  return [
    `kubectl: lab kubectl --name ${name} get pods -o wide`,
    `     or: export KUBECONFIG=${paths.kubeconfig(name)} KUBECACHEDIR=${kubectlCacheDir(name)}`,
  ].join('\n');
}
