import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { inspectCsr, inspectCsrSync, parseOpensslReq } from '../../../src/net/csr.js';
import { tempDir } from '../../helpers/tmp.js';

const env = { OPENSSL_CONF: '/dev/null' };
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

test('openssl reads a request: subject O and CN, SAN kinds; garbage and other PEM blocks in Go words', async (t) => {
  const dir = tempDir(t);
  await execa('openssl', ['req', '-new', ...ec, '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'r'), '-subj', '/O=system:nodes/O=extra/CN=system:node:n1', '-addext', 'subjectAltName=DNS:x,IP:1.2.3.4'], { env });
  const r = await inspectCsr(fs.readFileSync(path.join(dir, 'r'), 'utf8'));
  t.deepEqual(inspectCsrSync(fs.readFileSync(path.join(dir, 'r'), 'utf8')), r);
  t.deepEqual(r, { ok: true, info: { organizations: ['system:nodes', 'extra'], commonName: 'system:node:n1', sanKinds: ['DNS', 'IP Address'], dnsNames: ['x'], ipAddresses: ['1.2.3.4'] } });
  t.deepEqual(await inspectCsr('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), { ok: false, error: 'PEM block type must be CERTIFICATE REQUEST' });
  t.deepEqual(await inspectCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), { ok: false, error: 'x509: malformed certificate request' });
  t.deepEqual(parseOpensslReq(1, '', 'Certificate request self-signature verify failure'), { ok: false, error: 'x509: signature verification failure' });
});

