// The lab's PKI, made by `lab up` with the system's openssl (one call per item, run in
// parallel): a CA, the API server's serving certificate, the admin's client certificate, the API
// server's client certificate towards kubelets (kubeadm's apiserver-kubelet-client), the
// ServiceAccount signing key, one bearer token per lab component (the API server's
// --token-auth-file), and a multi-host etcd's member and client certificates.
// Everything lives in <state>/pki (0700), files 0600.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { formatIp, parseCidr } from '../net/cidr.js';
import type { LabPlan } from './plan.js';
import { pkiDir, pkiFiles } from './credentials.js';
import { identities } from '../apiserver/bootstrap/components.js';
import { etcdMembers } from './control-plane.js';

interface ComponentIdentity {
  component: string;
  user: string;
  groups: string[];
}

/** Who each lab component is towards the API server: the identities the bootstrap policy binds (least privilege). */
function componentIdentities(plan: LabPlan): ComponentIdentity[] {
  const as = (component: string, id: { user: string; groups: string[] }): ComponentIdentity => ({ component, user: id.user, groups: id.groups });
  return [
    as('controller-manager', identities.controllerManager),
    as('router', identities.router),
    as('dashboard', identities.dashboard),
    ...(plan.vxlan ? [as('overlay', identities.overlay)] : []),
    ...plan.nodes.map((n) => as(`agent-${n.name}`, identities.node(n.name))),
  ];
}

/** The serving certificate's names, as kubeadm gives the API server's (with every control-plane host's address). */
function servingNames(plan: LabPlan, extraIps: string[] = []): { ips: string[]; dns: string[] } {
  return {
    ips: ['127.0.0.1', plan.apiAdvertise.ip, formatIp(parseCidr(plan.serviceCIDR)!.base + 1), ...(plan.listen ? [plan.listen.ip] : []), ...etcdMembers(plan).map((h) => h.ip), ...extraIps],
    dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${plan.clusterDomain}`],
  };
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function leaf(lab: string, subject: string, keyOut: string, certOut: string, ext: string[]): string[] {
  const days = ['-days', '365'];
  return ['req', '-x509', '-CA', pkiFiles.caCert(lab), '-CAkey', pkiFiles.caKey(lab), ...ec, '-keyout', keyOut, '-out', certOut, '-subj', subject, ...days, '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', ...ext.flatMap((e) => ['-addext', e])];
}

/**
 * A multi-host etcd's certificates, as kubeadm makes them: per member a serving certificate and a peer
 * certificate (client and server: peers dial each other) naming the host's address, and the API
 * servers' client certificate. All from the lab CA, which every member trusts for clients and peers.
 */
function etcdCertificates(lab: string, hosts: { name: string; ip: string }[]): string[][] {
  if (hosts.length === 0) return [];
  return [
    ...hosts.flatMap((h) => {
      const san = `subjectAltName=IP:${h.ip},IP:127.0.0.1,DNS:localhost,DNS:${h.name}`;
      return [
        leaf(lab, `/CN=etcd-${h.name}`, pkiFiles.etcdServerKey(lab, h.name), pkiFiles.etcdServerCert(lab, h.name), [san, 'extendedKeyUsage=serverAuth,clientAuth']),
        leaf(lab, `/CN=etcd-peer-${h.name}`, pkiFiles.etcdPeerKey(lab, h.name), pkiFiles.etcdPeerCert(lab, h.name), [san, 'extendedKeyUsage=serverAuth,clientAuth']),
      ];
    }),
    leaf(lab, '/O=system:masters/CN=kube-apiserver-etcd-client', pkiFiles.etcdClientKey(lab), pkiFiles.etcdClientCert(lab), ['extendedKeyUsage=clientAuth']),
  ];
}

const openssl = (args: string[]) => execa('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { OPENSSL_CONF: '/dev/null' } });

/** The certificates of the API server: serving (its names plus extraIps), and its clients towards kubelets. */
function apiServerCertificates(plan: LabPlan, extraIps: string[] = []): string[][] {
  const lab = plan.name;
  const names = servingNames(plan, extraIps);
  const san = [...names.ips.map((ip) => `IP:${ip}`), ...names.dns.map((d) => `DNS:${d}`)].join(',');
  return [
    leaf(lab, '/CN=kube-apiserver', pkiFiles.servingKey(lab), pkiFiles.servingCert(lab), [`subjectAltName=${san}`, 'extendedKeyUsage=serverAuth']),
    // kubeadm (1.29+) gives it kubeadm:cluster-admins, not system:masters.
    leaf(lab, '/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client', pkiFiles.kubeletClientKey(lab), pkiFiles.kubeletClientCert(lab), ['extendedKeyUsage=clientAuth']),
  ];
}

async function issue(all: string[][]): Promise<void> {
  try {
    await Promise.all(all.map((args) => openssl(args)));
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr;
    throw new Error(`making the lab's certificates with openssl failed: ${stderr?.trim() || (e as Error).message}`);
  }
}

/**
 * A machine joining as a control plane (`lab join --control-plane`) issues its own certificates with the
 * downloaded CA, as kubeadm does: its API server's (its address among the names), its etcd member's, the
 * etcd client's.
 */
export async function issueReplicaCertificates(plan: LabPlan, member: { name: string; ip: string }): Promise<void> {
  await issue([...apiServerCertificates(plan, [member.ip]), ...etcdCertificates(plan.name, [member])]);
  restrictModes(plan.name);
}

export async function makePki(plan: LabPlan): Promise<void> {
  const lab = plan.name;
  const dir = pkiDir(lab);
  fs.mkdirSync(path.join(dir, 'tokens'), { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  try {
    const saKey = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pkiFiles.saKey(lab)]);
    await openssl(['req', '-x509', ...ec, '-keyout', pkiFiles.caKey(lab), '-out', pkiFiles.caCert(lab), '-subj', `/CN=svclab-ca-${lab}`, '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign']);
    await Promise.all([
      saKey,
      openssl(leaf(lab, '/O=system:masters/CN=kubernetes-admin', pkiFiles.adminKey(lab), pkiFiles.adminCert(lab), ['extendedKeyUsage=clientAuth'])),
      ...[...apiServerCertificates(plan), ...etcdCertificates(lab, etcdMembers(plan))].map((args) => openssl(args)),
    ]);
    const pub = crypto.createPublicKey(fs.readFileSync(pkiFiles.saKey(lab))).export({ type: 'spki', format: 'pem' });
    fs.writeFileSync(pkiFiles.saPub(lab), pub, { mode: 0o600 });
    const lines: string[] = [];
    for (const id of componentIdentities(plan)) {
      const token = crypto.randomBytes(32).toString('base64url');
      fs.writeFileSync(pkiFiles.componentToken(lab, id.component), token, { mode: 0o600 });
      lines.push(`${token},${id.user},${id.user},"${id.groups.join(',')}"`);
    }
    fs.writeFileSync(pkiFiles.tokenAuthFile(lab), lines.join('\n') + '\n', { mode: 0o600 });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr;
    throw new Error(`making the lab's certificates with openssl failed: ${stderr?.trim() || (e as Error).message}`);
  }
  restrictModes(lab);
}

/** Born inside the 0700 directory with openssl's modes; 0600 like the rest (no umask change: lab up runs the topology meanwhile). */
function restrictModes(lab: string): void {
  for (const f of fs.readdirSync(pkiDir(lab))) if (f.endsWith('.key') || f.endsWith('.crt')) fs.chmodSync(path.join(pkiDir(lab), f), 0o600);
}
