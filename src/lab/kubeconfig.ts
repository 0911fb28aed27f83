// The lab's kubeconfig (/run/svclab/<lab>/kubeconfig, 0600) for the real kubectl: the
// HTTPS server, the lab CA and the admin's client certificate and key inline; and
// a per-lab discovery cache so kubectl leaves the host's ~/.kube as it found it.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { pkiFiles } from './credentials.js';
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
  const lab = state.plan.name;
  const id = `svclab-${lab}`;
  const data = (file: string) => fs.readFileSync(file).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: id, cluster: { server: serverUrl(state), 'certificate-authority-data': data(pkiFiles.caCert(lab)) } }],
    users: [{ name: id, user: { 'client-certificate-data': data(pkiFiles.adminCert(lab)), 'client-key-data': data(pkiFiles.adminKey(lab)) } }],
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
