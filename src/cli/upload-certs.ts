// `lab upload-certs [--name lab] [--certificate-key K]`: kubeadm init phase upload-certs --upload-certs.
// The control plane's shared certificates, encrypted with a new (or the given) key, in Secret
// kube-system/svclab-certs for two hours; the key is printed last, as kubeadm does, so
// `lab token create --print-join-command --certificate-key $(lab upload-certs | tail -1)` works.
import { certsSecret, generateCertificateKey, isCertificateKey, readSharedFiles, uploadCerts } from '../lab/upload-certs.js';
import { etcdMembers } from '../lab/control-plane.js';
import { withLabAdmin } from './admin.js';
import { parse, UsageError, type Command } from './args.js';
import { labFlag, requireLab } from './lab-select.js';

export const uploadCertsCommand: Command = {
  summary: 'upload the control plane\'s certificates again for `lab join --control-plane`, with a new key (kubeadm init phase upload-certs)',
  usage: '[--name lab] [--certificate-key HEX]',
  async run(argv) {
    const { values } = parse('upload-certs', argv, { ...labFlag, 'certificate-key': { type: 'string' } });
    const given = values['certificate-key'];
    if (given !== undefined && !isCertificateKey(given)) throw new UsageError(`lab upload-certs: --certificate-key must be 64 hexadecimal digits (32 bytes), or leave it out for a new one (got "${given}")`);
    const key = given ?? generateCertificateKey();
    // Checked before any client is made: a joined machine has no admin credentials.
    const { name, state } = requireLab('upload-certs', values.name);
    if (state.plan.joined) throw new UsageError(`lab upload-certs: lab "${name}" joined a control plane elsewhere; run it on the machine that ran lab up`);
    if (!state.plan.listen || etcdMembers(state.plan).length === 0) throw new UsageError(`lab upload-certs: lab "${name}" has no control planes to join (bring a lab up with --store etcd --listen ADDR:PORT)`);
    await withLabAdmin('upload-certs', name, async (client, lab) => {
      console.log(`[upload-certs] Storing the certificates in Secret "${certsSecret.name}" in the "${certsSecret.namespace}" Namespace`);
      const expires = await uploadCerts(client, readSharedFiles(lab.name), key);
      console.log(`[upload-certs] The certificates are deleted at ${expires} (two hours); keep the key secret, it is not stored`);
      console.log('[upload-certs] Using certificate key:');
      console.log(key);
    });
  },
};
