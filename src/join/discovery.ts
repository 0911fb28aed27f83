// Token discovery as kubeadm join does it: fetch kube-public/cluster-info without trusting the
// server yet (anonymous, certificate unchecked), check that the bootstrap token signed its
// kubeconfig (the JWS jws-kubeconfig-<id>: only someone holding the token's secret can make it),
// pin the CA it names to one of the given hashes, then fetch it again over TLS verified by that
// CA, so the server proved it holds the CA's key. Every failure says what to do.
import https from 'node:https';
import YAML from 'yaml';
import { clusterInfo, parseToken, verifyDetached } from '../api/bootstrap-token.js';
import type { ConfigMap } from '../api/types.js';
import { caCertHash } from '../lab/bootstrap-tokens.js';
import { UserError } from '../util/errors.js';

class DiscoveryError extends UserError {}

const clusterInfoPath = `/api/v1/namespaces/${clusterInfo.namespace}/configmaps/${clusterInfo.name}`;

function fetchClusterInfo(server: string, ca: string | undefined): Promise<ConfigMap> {
  return new Promise((resolve, reject) => {
    const url = new URL(clusterInfoPath, server);
    const req = https.get(url, { ...(ca ? { ca } : { rejectUnauthorized: false }), timeout: 10_000, headers: { Accept: 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new DiscoveryError(`${server} answered ${res.statusCode} for the cluster-info ConfigMap${res.statusCode === 404 ? ': the lab was not brought up with --listen' : ''}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text) as ConfigMap);
        } catch {
          reject(new DiscoveryError(`${server} did not answer with the cluster-info ConfigMap: is it a lab's API server?`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (e) => reject(e instanceof DiscoveryError ? e : new DiscoveryError(`cannot reach the lab's API at ${server}${ca ? ' with its CA' : ''}: ${e.message}`)));
  });
}

export async function discover(url: string, token: string, opts: { caCertHashes: string[]; unsafeSkipCAVerification?: boolean }): Promise<{ server: string; caPem: string; lab: string }> {
  const parts = parseToken(token);
  if (!parts) throw new DiscoveryError(`the bootstrap token "${token}" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`);
  if (opts.caCertHashes.length === 0 && !opts.unsafeSkipCAVerification) {
    throw new DiscoveryError('give the CA pin printed by lab up with --discovery-token-ca-cert-hash sha256:<hex> (or, trusting the network, --discovery-token-unsafe-skip-ca-verification)');
  }
  const bad = opts.caCertHashes.find((h) => !/^sha256:[0-9a-f]{64}$/.test(h));
  if (bad) throw new DiscoveryError(`--discovery-token-ca-cert-hash "${bad}" is not of the form sha256:<64 hex digits>`);
  const insecure = await fetchClusterInfo(url, undefined);
  const kubeconfig = insecure.data?.kubeconfig;
  if (!kubeconfig) throw new DiscoveryError(`the cluster-info ConfigMap at ${url} holds no kubeconfig`);
  const jws = insecure.data?.[`${clusterInfo.jwsPrefix}${parts.id}`];
  if (!jws) throw new DiscoveryError(`the cluster-info ConfigMap has no signature by token id "${parts.id}": the token is unknown, expired or deleted; make one on the control plane with: lab token create --print-join-command`);
  if (!(await verifyDetached(kubeconfig, jws, parts))) throw new DiscoveryError("the token's signature on cluster-info does not match: wrong token?");
  const config = YAML.parse(kubeconfig) as { clusters?: { name?: string; cluster?: { server?: string; 'certificate-authority-data'?: string } }[] };
  const cluster = config.clusters?.[0];
  const server = cluster?.cluster?.server;
  const caData = cluster?.cluster?.['certificate-authority-data'];
  if (!server || !caData) throw new DiscoveryError('the kubeconfig in cluster-info names no server or CA');
  const caPem = Buffer.from(caData, 'base64').toString('utf8');
  if (!opts.unsafeSkipCAVerification) {
    const hash = caCertHash(caPem);
    if (!opts.caCertHashes.includes(hash)) {
      throw new DiscoveryError(`the cluster's CA is not the one pinned: its public key hash is ${hash}, --discovery-token-ca-cert-hash gave ${opts.caCertHashes.join(', ')}; check the pin printed by lab up (a different CA means another server answered)`);
    }
  }
  await fetchClusterInfo(server, caPem);
  return { server, caPem, lab: cluster.name ?? '' };
}
