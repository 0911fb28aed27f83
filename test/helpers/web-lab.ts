// A 2-node lab with web-1 on node1 and web-2 on node2 behind the NodePort
// service "web", and a client pod on node1: what the trace and dashboard tests look at.
import fs from 'node:fs';
import path from 'node:path';
import type { ProxyMode } from '../../src/agent/proxy/modes.js';
import { lab, repo, waitFor } from './lab.js';

const webPod = (n: number): string => `apiVersion: v1
kind: Pod
metadata: {name: web-${n}, labels: {app: web}}
spec:
  nodeSelector: {kubernetes.io/hostname: node${n}}
  containers: [{name: hello, image: lab/hello}]`;

const manifests = [
  webPod(1),
  webPod(2),
  `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]`,
  `apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeSelector: {kubernetes.io/hostname: node1}
  containers: [{name: client, image: lab/toolbox}]`,
];

/** lab up, the manifests above (and extra ones), then waits for both web endpoints. */
export async function upWebLab(name: string, mode: ProxyMode, extra: string[] = []): Promise<void> {
  const up = await lab(['up', '--name', name, '--nodes', '2', '--proxy-mode', mode]);
  if (up.exitCode !== 0) throw new Error(String(up.all));
  const file = path.join(repo, 'dist', `web-lab-${name}.yaml`);
  fs.writeFileSync(file, [...manifests, ...extra].join('\n---\n'));
  const applied = await lab(['apply', '--name', name, '-f', file]);
  fs.rmSync(file);
  if (applied.exitCode !== 0) throw new Error(String(applied.all));
  await waitFor(
    'both web endpoints',
    async () => String((await lab(['kubectl', '--name', name, 'get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[0].addresses[*].ip}'])).stdout).split(' ').filter(Boolean).length === 2,
    60_000,
    250,
  );
}
