import test from 'ava';
import { execa } from 'execa';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { issuedSeconds, signWithOpenssl } from '../../../../src/controllers/certificates/signer.js';
import { tempDir } from '../../../helpers/tmp.js';

const env = { OPENSSL_CONF: '/dev/null' };
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

test('the signer issues a client certificate of the CA with the request subject, for the asked duration, backdated 5 minutes', async (t) => {
  const dir = tempDir(t);
  const f = (n: string) => path.join(dir, n);
  await execa('openssl', ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=lab-ca', '-days', '1', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], { env });
  await execa('openssl', ['req', '-new', ...ec, '-keyout', f('k'), '-out', f('r'), '-subj', '/O=system:nodes/CN=system:node:node3'], { env });
  const now = Date.parse(new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const pem = await signWithOpenssl(fs.readFileSync(f('r'), 'utf8'), ['digital signature', 'client auth'], { certFile: f('ca.crt'), keyFile: f('ca.key'), maxSeconds: 86400 }, 600, now);
  const cert = new crypto.X509Certificate(pem);
  t.true(cert.verify(new crypto.X509Certificate(fs.readFileSync(f('ca.crt'))).publicKey), 'signed by the CA');
  t.is(cert.subject, 'O=system:nodes\nCN=system:node:node3');
  t.is(Date.parse(cert.validTo) - Date.parse(cert.validFrom), 900_000);
  t.is(Date.parse(cert.validFrom), now - 300_000);
  t.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'clientAuth');
  t.is(cert.subjectAltName, undefined);
  const serving = new crypto.X509Certificate(await signWithOpenssl(fs.readFileSync(f('r'), 'utf8'), ['digital signature', 'server auth'], { certFile: f('ca.crt'), keyFile: f('ca.key'), maxSeconds: 86400 }, 600, now, { dns: ['node3'], ips: ['172.18.0.4'] }));
  t.is(serving.subjectAltName, 'DNS:node3, IP Address:172.18.0.4', 'a serving certificate names what the request named');
  t.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'serverAuth');
  t.is(issuedSeconds(undefined, 31_536_000), 31_536_000, 'a year by default');
  t.is(issuedSeconds(100, 31_536_000), 600);
  t.is(issuedSeconds(10 ** 9, 31_536_000), 31_536_000);
});
