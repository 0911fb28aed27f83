// kubeadm's upload-certs for labs that span machines on etcd: the control plane's shared secrets,
// encrypted with a certificate key (AES-256-GCM), in Secret kube-system/svclab-certs (kubeadm's
// kubeadm-certs), which the bootstrap token's group may read through an RBAC rule on that one
// name. `lab join --control-plane --certificate-key K` downloads and decrypts them; the key is
// kept nowhere, only printed in the join command. As kubeadm's, the Secret is owned by a token
// that authenticates nobody and expires in two hours: the token cleaner deletes the token, the
// garbage collector the Secret; `lab upload-certs` uploads them again with a new key.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { defaultNodeTokenGroup } from '../api/bootstrap-token.js';
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { KubeObject, Role, RoleBinding, Secret } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import { UserError } from '../util/errors.js';
import { generateToken, tokenSecret } from './bootstrap-tokens.js';
import { pkiFiles } from './credentials.js';

export const certsSecret = { namespace: 'kube-system', name: 'svclab-certs' };

/** kubeadm's DefaultCertTokenDuration: the uploaded certificates live two hours. */
export const certsTtlMs = 2 * 3600 * 1000;

/**
 * What a second API server, etcd member and controller-manager need that cannot be made on their own
 * machine: the CA (its key issues every other certificate there: serving, etcd member and client,
 * kubelet client), the ServiceAccount key pair (tokens valid on every replica), and the component
 * token file with the controller-manager's token (the same identities on every replica).
 */
export function sharedFiles(lab: string): Record<string, string> {
  return {
    'ca.crt': pkiFiles.caCert(lab),
    'ca.key': pkiFiles.caKey(lab),
    'sa.key': pkiFiles.saKey(lab),
    'sa.pub': pkiFiles.saPub(lab),
    'tokens.csv': pkiFiles.tokenAuthFile(lab),
    'controller-manager.token': pkiFiles.componentToken(lab, 'controller-manager'),
  };
}

/** The shared files of this machine's lab, to upload. */
export function readSharedFiles(lab: string): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(sharedFiles(lab)).map(([k, f]) => [k, fs.readFileSync(f)]));
}

/** kubeadm's --certificate-key: 32 random bytes, hex. */
export function generateCertificateKey(): string {
  return crypto.randomBytes(32).toString('hex');
}

/** kubeadm's certificate key: 32 bytes in hex. */
export const isCertificateKey = (hex: string): boolean => /^[0-9a-f]{64}$/i.test(hex);

function keyBytes(hex: string): Buffer {
  if (!isCertificateKey(hex)) throw new UserError(`--certificate-key must be 64 hexadecimal digits (32 bytes), as printed by lab up --listen or lab upload-certs (got ${hex.length} characters)`);
  return Buffer.from(hex, 'hex');
}

/** nonce (12 bytes) | ciphertext | tag (16 bytes), as Go's gcm.Seal with the nonce as prefix. */
export function encrypt(data: Buffer, hexKey: string): Buffer {
  const nonce = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', keyBytes(hexKey), nonce);
  return Buffer.concat([nonce, c.update(data), c.final(), c.getAuthTag()]);
}

export function decrypt(sealed: Buffer, hexKey: string): Buffer {
  const key = keyBytes(hexKey);
  if (sealed.length < 28) throw new UserError('the uploaded certificates are damaged (too short to decrypt)');
  const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
  } catch {
    throw new UserError(`the certificate key does not decrypt Secret ${certsSecret.namespace}/${certsSecret.name}: it is wrong, or the certificates were uploaded again with another key (on the control plane: lab up printed the key; kubeadm's upload-certs)`);
  }
}

/** The Secret holding every shared file, each encrypted on its own. */
export function certsSecretObject(files: Record<string, Buffer>, hexKey: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: certsSecret.name, namespace: certsSecret.namespace },
    type: 'Opaque',
    data: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, encrypt(v, hexKey).toString('base64')])),
  };
}

/** Downloads the Secret (as a joiner, with the bootstrap token) and decrypts it. */
export async function downloadCerts(client: ApiClient, hexKey: string, lab: string): Promise<Record<string, Buffer>> {
  keyBytes(hexKey);
  let secret: Secret;
  try {
    secret = await client.get<Secret>(types.secrets, certsSecret.name, certsSecret.namespace);
  } catch (e) {
    if (e instanceof ApiError && e.status.code === 404)
      throw new UserError(`the control plane has no Secret ${certsSecret.namespace}/${certsSecret.name}: the uploaded certificates are deleted two hours after upload (on the control plane, lab upload-certs uploads them again and prints a new key), and only a lab brought up with --store etcd --listen has them`);
    if (e instanceof ApiError) throw new UserError(`downloading the control plane's certificates: ${e.status.message}`);
    throw e;
  }
  return decryptCerts(secret, hexKey, lab);
}

/** The files of the Secret, decrypted; every one needed must be there. */
export function decryptCerts(secret: Secret, hexKey: string, lab: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const name of Object.keys(sharedFiles(lab))) {
    const v = secret.data?.[name];
    if (!v) throw new UserError(`Secret ${certsSecret.namespace}/${certsSecret.name} has no ${name}: upload the certificates again on the control plane`);
    out[name] = decrypt(Buffer.from(v, 'base64'), hexKey);
  }
  return out;
}

const meta = (name: string): KubeObject['metadata'] => ({ name, namespace: certsSecret.namespace, labels: { 'app.kubernetes.io/part-of': 'svclab' } });

/** kubeadm's kubeadm:kubeadm-certs Role and RoleBinding: get on that one Secret, for the token's group. */
function readerRole(): { role: Role; binding: RoleBinding } {
  const name = 'svclab:svclab-certs';
  return {
    role: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name), rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: [certsSecret.name] }] },
    binding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: defaultNodeTokenGroup }],
    },
  };
}

/**
 * Uploads (or replaces) the encrypted certificates and the rule that lets joiners read them. Each upload
 * makes a new owner token, so the Secret lives ttlMs from now (older owner tokens just expire).
 * Returns when the Secret goes (the owner token's expiration).
 */
export async function uploadCerts(client: ApiClient, files: Record<string, Buffer>, hexKey: string, ttlMs = certsTtlMs): Promise<string> {
  const secret = certsSecretObject(files, hexKey);
  const ns = certsSecret.namespace;
  const owner = await client.create<Secret>(types.secrets, tokenSecret(generateToken(), { ttlMs, description: `Proxy for managing TTL for the ${certsSecret.name} secret`, usages: [], extraGroups: [] }), ns);
  secret.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Secret', name: owner.metadata.name!, uid: owner.metadata.uid!, blockOwnerDeletion: true }];
  const { role, binding } = readerRole();
  for (const [type, obj] of [
    [types.roles, role],
    [types.rolebindings, binding],
    [types.secrets, secret],
  ] as const) {
    try {
      await client.create(type, obj, ns);
    } catch (e) {
      if (!(e instanceof ApiError && e.status.reason === 'AlreadyExists')) throw e;
      // A new key replaces the Secret (kubeadm init phase upload-certs); the rule is the same.
      if (obj === secret) await client.update(type, obj);
    }
  }
  return Buffer.from(owner.data!.expiration!, 'base64').toString();
}

/** Where each downloaded file goes on the joining machine (the same paths as on the control plane). */
export function writeSharedFiles(lab: string, files: Record<string, Buffer>): void {
  const targets = sharedFiles(lab);
  for (const [name, data] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(targets[name]!), { recursive: true, mode: 0o700 });
    fs.writeFileSync(targets[name]!, data, { mode: 0o600 });
  }
}
