// Joining credentials end to end, on one simulated machine pair (network namespaces with their own
// state roots, as test/helpers/machines.ts makes them): machine m1 runs `lab up --listen` on its own
// address; m2 reaches it only over the routed transit link, with the real kubectl, curl and the
// joiner's helpers (discover, requestNodeCertificate). Bootstrap tokens authenticate as
// system:bootstrap:<id> until deleted or expired; anonymous reads only cluster-info, whose JWS the
// token verifies; bootstrappers create CSRs but read no Secrets; an admin's approval gets a
// certificate the API accepts as that node; auto-approval only for a node name allocated to a Host
// the requester created.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { verifyDetached } from '../../../src/api/bootstrap-token.js';
import { generateToken } from '../../../src/lab/bootstrap-tokens.js';
import { createMachines, machineSnapshot, type Machine, type Machines } from '../../helpers/machines.js';
import { labName, repo, waitFor } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';

const it = e2e(test);
const lab = labName('bsec');
const token = generateToken();
const [id] = token.split('.') as [string];
let machines: Machines;
let m1: Machine;
let m2: Machine;
let upOutput = '';
let before: string[] = [];
const port = 6443;

const server = () => `https://${m1.ip}:${port}`;
const caFile = () => path.join(m1.stateRoot, lab, 'pki', 'ca.crt');
const scratch = () => path.join(m2.stateRoot, 'scratch');
const text = (r: { stdout?: unknown; stderr?: unknown }) => ({ out: String(r.stdout ?? '').trim(), err: String(r.stderr ?? '').trim() });
/** The real kubectl on m2, over the network, with a bootstrap token (or other credentials). */
const remote = async (creds: string[], ...args: string[]) => {
  const r = await m2.run(['kubectl', '--server', server(), '--certificate-authority', caFile(), '--cache-dir', path.join(scratch(), 'cache'), ...creds, ...args]);
  return { code: r.exitCode ?? -1, ...text(r) };
};
/** The admin's kubectl on m1 (the lab's kubeconfig). */
const admin = async (...args: string[]) => {
  const r = await m1.lab(['kubectl', '--name', lab, ...args]);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${String(r.stderr)}`);
  return String(r.stdout).trim();
};
/** The joiner's helpers, run on m2: discover() then, with a node, requestNodeCertificate(). */
async function joiner(args: { token: string; hashes: string[]; node?: string; timeoutMs?: number }): Promise<Record<string, any>> {
  const script = `
    import { discover } from ${JSON.stringify(path.join(repo, 'dist/src/join/discovery.js'))};
    import { requestNodeCertificate } from ${JSON.stringify(path.join(repo, 'dist/src/join/node-certificate.js'))};
    const a = JSON.parse(process.argv[1]);
    try {
      const found = await discover(a.url, a.token, { caCertHashes: a.hashes });
      const out = { lab: found.lab, server: found.server, caPem: found.caPem };
      if (a.node) out.issued = await requestNodeCertificate({ server: found.server, tls: { ca: found.caPem }, token: a.token }, a.node, a.dir, a.timeoutMs);
      console.log(JSON.stringify(out));
    } catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  const r = await m2.run([process.execPath, '--input-type=module', '-e', script, JSON.stringify({ url: server(), dir: path.join(scratch(), 'certs'), ...args })]);
  return JSON.parse(String(r.stdout).trim().split('\n').pop() || '{}');
}
const pin = () => /--discovery-token-ca-cert-hash (sha256:[0-9a-f]{64})/.exec(upOutput)![1]!;

it.serial.before(async (t) => {
  machines = await createMachines(`b${process.pid % 1000}`, 2);
  [m1, m2] = machines.machines as [Machine, Machine];
  // A fresh link settles (carrier, IPv6 link-local) in a moment: compare against the settled machine.
  before = await waitFor('machine m1 to settle', async () => {
    const first = await machineSnapshot(m1, lab);
    await new Promise((r) => setTimeout(r, 1000));
    const again = await machineSnapshot(m1, lab);
    return JSON.stringify(first) === JSON.stringify(again) && again.some((l) => l.includes('state UP')) ? again : undefined;
  }, 20_000);
  const r = await m1.lab(['up', '--name', lab, '--nodes', '1', '--listen', `${m1.ip}:${port}`, '--token', token, '--token-ttl', '1h'], { timeoutMs: 110_000 });
  upOutput = String(r.all);
  t.is(r.exitCode, 0, upOutput);
  fs.mkdirSync(scratch(), { recursive: true });
});

it.serial.after.always(async (t) => {
  try {
    if (m1) {
      await m1.lab(['down', '--name', lab]);
      t.deepEqual(await machineSnapshot(m1, lab), before, 'lab down leaves machine m1 as it was');
    }
  } finally {
    await machines?.destroy();
  }
});

it.serial('lab up --listen prints the join command with the token and the CA pin; the API answers on the listen address with a certificate naming it', async (t) => {
  t.regex(upOutput, new RegExp(`To add hosts, run on each of them:\\n  lab join https://${m1.ip.replace(/\./g, '\\.')}:${port} --token ${token} \\\\\\n      --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}\\n`));
  const r = await m2.run(['sh', '-c', `openssl s_client -connect ${m1.ip}:${port} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName`]);
  t.regex(String(r.stdout), new RegExp(`IP Address:${m1.ip.replace(/\./g, '\\.')}`));
});

it.serial('a bootstrap token authenticates as system:bootstrap:<id>; a wrong secret is a 401', async (t) => {
  const who = await remote(['--token', token], 'auth', 'whoami');
  t.is(who.out, ['ATTRIBUTE   VALUE', `Username    system:bootstrap:${id}`, 'Groups      [system:bootstrappers system:bootstrappers:svclab:default-node-token system:authenticated]'].join('\n'), who.err);
  const wrong = await remote(['--token', `${id}.0000000000000000`], 'auth', 'whoami');
  t.is(wrong.code, 1);
  t.is(wrong.err, 'error: You must be logged in to the server (Unauthorized)');
});

it.serial("anonymous reads cluster-info and nothing else; its JWS verifies with the token, not with another", async (t) => {
  const r = await m2.run(['curl', '-sk', `${server()}/api/v1/namespaces/kube-public/configmaps/cluster-info`]);
  const cm = JSON.parse(String(r.stdout)) as { data: Record<string, string> };
  t.regex(cm.data.kubeconfig!, new RegExp(`server: https://${m1.ip.replace(/\./g, '\\.')}:${port}\\n`));
  const [, secret] = token.split('.') as [string, string];
  t.true(await verifyDetached(cm.data.kubeconfig!, cm.data[`jws-kubeconfig-${id}`]!, { id, secret }));
  t.false(await verifyDetached(cm.data.kubeconfig!, cm.data[`jws-kubeconfig-${id}`]!, { id, secret: 'ffffffffffffffff' }));
  const other = await m2.run(['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', `${server()}/api/v1/namespaces/kube-public/configmaps/kube-root-ca.crt`]);
  t.is(String(other.stdout), '403');
});

it.serial('discover() checks the JWS and the pin: the lab, its server and CA; a wrong token or pin is refused in words the user can act on', async (t) => {
  const found = await joiner({ token, hashes: [pin()] });
  t.is(found.error, undefined);
  t.like(found, { lab, server: server() });
  t.is(found.caPem, fs.readFileSync(caFile(), 'utf8'));
  t.is((await joiner({ token: `${id}.0000000000000000`, hashes: [pin()] })).error, "the token's signature on cluster-info does not match: wrong token?");
  t.regex((await joiner({ token, hashes: [`sha256:${'0'.repeat(64)}`] })).error, /^the cluster's CA is not the one pinned: its public key hash is sha256:[0-9a-f]{64}/);
  t.regex((await joiner({ token: 'zzzzzz.0000000000000000', hashes: [pin()] })).error, /no signature by token id "zzzzzz": the token is unknown, expired or deleted/);
});

it.serial('a bootstrapper may create a CSR but not list Secrets; a CSR for a name allocated to nobody stays Pending until the admin approves it, then the certificate is that node to the API', async (t) => {
  const denied = await remote(['--token', token], 'get', 'secrets', '-n', 'kube-system');
  t.is(denied.err, `Error from server (Forbidden): secrets is forbidden: User "system:bootstrap:${id}" cannot list resource "secrets" in API group "" in the namespace "kube-system"`);
  const r = await joiner({ token, hashes: [pin()], node: 'node9', timeoutMs: 4000 });
  t.regex(r.error, /^the certificate request (node-csr-\w+) for node node9 was not approved within 4 s \(Pending\): an administrator can approve it with: kubectl certificate approve node-csr-\w+$/);
  const csr = /approve (node-csr-\w+)$/.exec(r.error)![1]!;
  t.regex(await admin('get', 'csr', csr), new RegExp(`${csr}\\s+\\d+s\\s+kubernetes.io/kube-apiserver-client-kubelet\\s+system:bootstrap:${id}\\s+<none>\\s+Pending`));
  t.is(await admin('certificate', 'approve', csr), `certificatesigningrequest.certificates.k8s.io/${csr} approved`);
  await waitFor('the certificate issued', async () => ((await admin('get', 'csr', csr)).endsWith('Approved,Issued') ? true : undefined), 15_000);
  const certFile = path.join(scratch(), 'node9.crt');
  fs.writeFileSync(certFile, Buffer.from(await admin('get', 'csr', csr, '-o', 'jsonpath={.status.certificate}'), 'base64'));
  const who = await remote(['--client-certificate', certFile, '--client-key', path.join(scratch(), 'certs', 'node9.key')], 'auth', 'whoami');
  t.is(who.out, ['ATTRIBUTE   VALUE', 'Username    system:node:node9', 'Groups      [system:nodes system:authenticated]'].join('\n'), who.err);
});

it.serial("requestNodeCertificate() is auto-approved for a node allocated to the requester's Host, never for another requester's", async (t) => {
  const host = (name: string, address: string) => JSON.stringify({ apiVersion: 'hosts.svclab.io/v1', kind: 'Host', metadata: { name }, spec: { address, nodes: 1 } });
  fs.writeFileSync(path.join(scratch(), 'mine.json'), host('mine', m2.ip));
  t.regex((await remote(['--token', token], 'create', '-f', path.join(scratch(), 'mine.json'))).out, /^host.hosts.svclab.io\/mine created$/);
  fs.writeFileSync(path.join(scratch(), 'theirs.json'), host('theirs', '198.18.0.200'));
  await admin('create', '-f', path.join(scratch(), 'theirs.json'));
  const allocated = async (name: string) => (await admin('get', 'host', name, '-o', 'jsonpath={.status.nodes[0].name}')) || undefined;
  const mine = await waitFor('the allocation of host mine', () => allocated('mine'), 15_000);
  const theirs = await waitFor('the allocation of host theirs', () => allocated('theirs'), 15_000);
  const ok = await joiner({ token, hashes: [pin()], node: mine, timeoutMs: 20_000 });
  t.is(ok.error, undefined);
  const cert = new (await import('node:crypto')).X509Certificate(fs.readFileSync(ok.issued.certFile));
  t.is(cert.subject, `O=system:nodes\nCN=system:node:${mine}`);
  t.is(await admin('get', 'csr', '-o', `jsonpath={.items[?(@.spec.username=="system:bootstrap:${id}")].status.conditions[?(@.reason=="AutoApproved")].type}`), 'Approved');
  const refused = await joiner({ token, hashes: [pin()], node: theirs, timeoutMs: 5000 });
  t.regex(refused.error, new RegExp(`^the certificate request node-csr-\\w+ for node ${theirs} was not approved within 5 s \\(Pending\\)`));
});

it.serial('lab token list/delete; a deleted or expired token is a 401, and the token cleaner removes the expired one', async (t) => {
  const created = await m1.lab(['token', 'create', '--name', lab, '--ttl', '12s', '--print-join-command']);
  const short = /--token (\S+)/.exec(String(created.stdout))![1]!;
  t.regex(String(created.stdout), new RegExp(`^lab join https://${m1.ip.replace(/\./g, '\\.')}:${port} --token ${short} --discovery-token-ca-cert-hash ${pin()}`));
  const list = String((await m1.lab(['token', 'list', '--name', lab])).stdout);
  t.regex(list, /^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS\n/);
  t.regex(list, new RegExp(`\\n${token}\\s+\\d+m\\s+\\S+Z\\s+authentication,signing\\s+The default bootstrap token generated by lab up --listen.\\s+system:bootstrappers:svclab:default-node-token`));
  t.is((await remote(['--token', short], 'auth', 'whoami')).code, 0);
  await waitFor('the short token to expire', async () => ((await remote(['--token', short], 'auth', 'whoami')).err === 'error: You must be logged in to the server (Unauthorized)' ? true : undefined), 20_000);
  const shortId = short.split('.')[0]!;
  await waitFor('the token cleaner', async () => (!(await admin('get', 'secrets', '-n', 'kube-system', '-o', 'name')).includes(`bootstrap-token-${shortId}`) ? true : undefined), 10_000);
  t.is(String((await m1.lab(['token', 'delete', '--name', lab, id])).stdout).trim(), `bootstrap token "${id}" deleted`);
  const gone = await remote(['--token', token], 'auth', 'whoami');
  t.is(gone.err, 'error: You must be logged in to the server (Unauthorized)');
  await waitFor('the signature of the deleted token to leave cluster-info', async () => (!(await admin('get', 'cm', 'cluster-info', '-n', 'kube-public', '-o', 'json')).includes(`jws-kubeconfig-${id}`) ? true : undefined), 10_000);
});
