// Where a lab's certificates, keys and component tokens are (<state>/pki, 0700, files 0600),
// and the admin connection built from them: what the CLI, scenario runner, lab status and tests use.
import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from '../client/client.js';
import { labDir, serverUrl, type LabState } from './state.js';

export function pkiDir(lab: string): string {
  return path.join(labDir(lab), 'pki');
}

export const pkiFiles = {
  caCert: (lab: string) => path.join(pkiDir(lab), 'ca.crt'),
  caKey: (lab: string) => path.join(pkiDir(lab), 'ca.key'),
  servingCert: (lab: string) => path.join(pkiDir(lab), 'apiserver.crt'),
  servingKey: (lab: string) => path.join(pkiDir(lab), 'apiserver.key'),
  adminCert: (lab: string) => path.join(pkiDir(lab), 'admin.crt'),
  adminKey: (lab: string) => path.join(pkiDir(lab), 'admin.key'),
  /** The API server towards kubelets' TLS port (kubeadm's apiserver-kubelet-client). */
  kubeletClientCert: (lab: string) => path.join(pkiDir(lab), 'apiserver-kubelet-client.crt'),
  kubeletClientKey: (lab: string) => path.join(pkiDir(lab), 'apiserver-kubelet-client.key'),
  saKey: (lab: string) => path.join(pkiDir(lab), 'sa.key'),
  saPub: (lab: string) => path.join(pkiDir(lab), 'sa.pub'),
  /** upstream's --token-auth-file: token,user,uid,"group1,group2" per line. */
  tokenAuthFile: (lab: string) => path.join(pkiDir(lab), 'tokens.csv'),
  /** One file per component holding its bearer token (read by the component, never on its command line). */
  componentToken: (lab: string, component: string) => path.join(pkiDir(lab), 'tokens', `${component}.token`),
  /** An etcd member's certificates (multi-host etcd): serving its clients, and talking to its peers (both ways). */
  etcdServerCert: (lab: string, host: string) => path.join(pkiDir(lab), `etcd-${host}-server.crt`),
  etcdServerKey: (lab: string, host: string) => path.join(pkiDir(lab), `etcd-${host}-server.key`),
  etcdPeerCert: (lab: string, host: string) => path.join(pkiDir(lab), `etcd-${host}-peer.crt`),
  etcdPeerKey: (lab: string, host: string) => path.join(pkiDir(lab), `etcd-${host}-peer.key`),
  /** The API servers' client certificate towards etcd (kubeadm's apiserver-etcd-client). */
  etcdClientCert: (lab: string) => path.join(pkiDir(lab), 'apiserver-etcd-client.crt'),
  etcdClientKey: (lab: string) => path.join(pkiDir(lab), 'apiserver-etcd-client.key'),
  /** A joined host's node client certificates (system:node:<node>, issued through the lab's CSR flow). */
  nodeCert: (lab: string, node: string) => path.join(pkiDir(lab), 'nodes', `${node}.crt`),
  nodeKey: (lab: string, node: string) => path.join(pkiDir(lab), 'nodes', `${node}.key`),
};

/** The API servers' client credentials towards etcd (also what `lab join --control-plane` and `lab down` change the membership with). */
export function etcdClientTls(lab: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return { ca: fs.readFileSync(pkiFiles.caCert(lab)), cert: fs.readFileSync(pkiFiles.etcdClientCert(lab)), key: fs.readFileSync(pkiFiles.etcdClientKey(lab)) };
}

/** A joined host's node's own TLS credentials: the lab's CA and its client certificate and key (its agent's flags, what its container sees of pki/). */
export function nodeCredentials(lab: string, node: string): { ca: string; cert: string; key: string } {
  return { ca: pkiFiles.caCert(lab), cert: pkiFiles.nodeCert(lab, node), key: pkiFiles.nodeKey(lab, node) };
}

/** The lab's admin (kubernetes-admin, system:masters) over HTTPS on 127.0.0.1: needs root, as the key is root's. */
export function adminConnection(state: LabState): Connection {
  const lab = state.plan.name;
  return {
    server: serverUrl(state),
    tls: { ca: fs.readFileSync(pkiFiles.caCert(lab)), cert: fs.readFileSync(pkiFiles.adminCert(lab)), key: fs.readFileSync(pkiFiles.adminKey(lab)) },
  };
}

/**
 * Who this machine's tools are towards the lab: its admin where the control plane runs; on a machine
 * that joined (no admin key there), its first node at the control plane's listen address.
 */
export function labConnection(state: LabState): Connection {
  const { plan } = state;
  if (!plan.joined) return adminConnection(state);
  const c = nodeCredentials(plan.name, plan.nodes[0]!.name);
  return { server: plan.joined.server, tls: { ca: fs.readFileSync(c.ca), cert: fs.readFileSync(c.cert), key: fs.readFileSync(c.key) } };
}
