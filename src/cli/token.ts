// `lab token create|list|delete`: the lab's bootstrap tokens, in kubeadm token's words.
import fs from 'node:fs';
import { bootstrapTokenSecretPrefix, bootstrapTokenSecretType, parseToken } from '../api/bootstrap-token.js';
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { Secret } from '../api/types.js';
import { checkToken, formatTokenList, generateToken, joinCommand, parseTtl, tokenSecret } from '../lab/bootstrap-tokens.js';
import { pkiFiles } from '../lab/credentials.js';
import { downloadCerts, isCertificateKey } from '../lab/upload-certs.js';
import { withLabAdmin } from './admin.js';
import { parse, UsageError, type Command } from './args.js';
import { labFlag } from './lab-select.js';

const usage = 'create [--name lab] [TOKEN] [--ttl 24h] [--description TEXT] [--print-join-command [--certificate-key HEX]] | list [--name lab] | delete [--name lab] TOKEN-ID|TOKEN...';

export const tokenCommand: Command = {
  summary: 'manage bootstrap tokens for hosts that `lab join` (as kubeadm token: create, list, delete)',
  usage,
  async run(argv) {
    const [what, ...rest] = argv;
    if (what === 'create') {
      const { values, positionals } = parse('token create', rest, { ...labFlag, ttl: { type: 'string', default: '24h' }, description: { type: 'string' }, 'print-join-command': { type: 'boolean', default: false }, 'certificate-key': { type: 'string' } }, true);
      if (positionals.length > 1) throw new UsageError('lab token create: give at most one TOKEN (default: a new random one)');
      const token = positionals[0] ? checkToken(positionals[0]) : generateToken();
      const ttlMs = parseTtl(values.ttl);
      // kubeadm token create --print-join-command --certificate-key K: the join command of a control plane.
      const key = values['certificate-key'];
      if (key !== undefined && !values['print-join-command']) throw new UsageError('lab token create: --certificate-key goes with --print-join-command (it prints a control plane\'s join command)');
      if (key !== undefined && !isCertificateKey(key)) throw new UsageError(`lab token create: --certificate-key must be 64 hexadecimal digits (32 bytes), as printed by lab upload-certs (got "${key}")`);
      return withLabAdmin('token create', values.name, async (client, lab) => {
        const listen = lab.state.plan.listen;
        if (values['print-join-command'] && !listen) throw new UsageError(`lab token create: lab "${lab.name}" does not listen for other hosts; bring it up with --listen ADDR:PORT to join hosts to it`);
        // A key that does not open the uploaded certificates would only fail later, on the joining machine.
        if (key !== undefined) await downloadCerts(client, key, lab.name);
        await client.create(types.secrets, tokenSecret(token, { ttlMs, description: values.description }), 'kube-system');
        if (!values['print-join-command']) return console.log(token);
        const command = joinCommand(listen!, token, fs.readFileSync(pkiFiles.caCert(lab.name)));
        console.log(key === undefined ? command : `${command} --control-plane --certificate-key ${key}`);
      });
    }
    if (what === 'list') {
      const { values } = parse('token list', rest, labFlag);
      return withLabAdmin('token list', values.name, async (client) => {
        const secrets = await client.list<Secret>(types.secrets, 'kube-system', { fieldSelector: `type=${bootstrapTokenSecretType}` });
        console.log(formatTokenList(secrets.items));
      });
    }
    if (what === 'delete') {
      const { values, positionals } = parse('token delete', rest, labFlag, true);
      if (positionals.length === 0) throw new UsageError('lab token delete: name the token IDs (or whole tokens) to delete');
      return withLabAdmin('token delete', values.name, async (client) => {
        for (const given of positionals) {
          const id = parseToken(given)?.id ?? given;
          if (!/^[a-z0-9]{6}$/.test(id)) throw new UsageError(`lab token delete: given token or token id "${given}" didn't match pattern "^([a-z0-9]{6})$" or "^([a-z0-9]{6})\\.([a-z0-9]{16})$"`);
          try {
            await client.delete(types.secrets, `${bootstrapTokenSecretPrefix}${id}`, 'kube-system');
          } catch (e) {
            if (e instanceof ApiError && e.code === 404) throw new UsageError(`lab token delete: bootstrap token "${id}" not found`);
            throw e;
          }
          console.log(`bootstrap token "${id}" deleted`);
        }
      });
    }
    throw new UsageError(`lab token: unknown subcommand "${what ?? ''}" (usage: lab token ${usage})`);
  },
};
