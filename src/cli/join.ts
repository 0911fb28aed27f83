// `lab join URL --token T ...`: this machine joins a lab whose control plane listens at URL (kubeadm join's flags).
import { proxyModes, type ProxyMode } from '../agent/proxy/modes.js';
import { runtimes, type RuntimeName } from '../lab/plan.js';
import { join } from '../lab/join.js';
import { isCertificateKey } from '../lab/upload-certs.js';
import { parseIp } from '../net/cidr.js';
import { setCurrentLab } from '../lab/select.js';
import { oneOf, parse, UsageError, type Command } from './args.js';

const usage =
  'https://ADDR:PORT --token TOKEN (--discovery-token-ca-cert-hash sha256:HEX | --discovery-token-unsafe-skip-ca-verification) [--nodes 1] [--name LOCAL] [--host-name NAME] [--address IP] [--runtime netns|docker] [--proxy-mode MODE] [--control-plane --certificate-key HEX]';

export const labJoinCommand: Command = {
  summary: 'join this machine to a lab whose control plane runs elsewhere (lab up --listen): N more nodes here',
  usage,
  async run(argv) {
    const { values, positionals } = parse(
      'join',
      argv,
      {
        token: { type: 'string' },
        'discovery-token-ca-cert-hash': { type: 'string', multiple: true },
        'discovery-token-unsafe-skip-ca-verification': { type: 'boolean', default: false },
        nodes: { type: 'string', default: '1' },
        name: { type: 'string' },
        'host-name': { type: 'string' },
        address: { type: 'string' },
        runtime: { type: 'string', default: 'netns' },
        'proxy-mode': { type: 'string' },
        // kubeadm join's: this machine also runs an etcd member, an API server and a controller-manager.
        'control-plane': { type: 'boolean', default: false },
        'certificate-key': { type: 'string' },
      },
      true,
    );
    const [url, ...extra] = positionals;
    if (!url || extra.length > 0) throw new UsageError(`lab join: give exactly one control plane address, https://ADDR:PORT (usage: lab join ${usage})`);
    if (!/^https:\/\/[^/]+:\d+\/?$/.test(url)) throw new UsageError(`lab join: the control plane address must be https://ADDR:PORT (got "${url}")`);
    if (!values.token) throw new UsageError('lab join: --token is required (on the control plane: lab token create)');
    const hashes = values['discovery-token-ca-cert-hash'] ?? [];
    const skip = values['discovery-token-unsafe-skip-ca-verification'];
    if (hashes.length === 0 && !skip) {
      throw new UsageError('lab join: give --discovery-token-ca-cert-hash sha256:HEX (printed by lab up --listen and lab token create --print-join-command), or accept any CA with --discovery-token-unsafe-skip-ca-verification');
    }
    if (values['control-plane'] && !values['certificate-key']) throw new UsageError('lab join: --control-plane needs --certificate-key HEX (printed by lab up --listen --store etcd)');
    if (values['certificate-key'] !== undefined && !values['control-plane']) throw new UsageError('lab join: --certificate-key goes with --control-plane');
    if (values['certificate-key'] !== undefined && !isCertificateKey(values['certificate-key'])) throw new UsageError(`lab join: --certificate-key must be 64 hexadecimal digits (32 bytes), as printed by lab up --listen --store etcd or lab upload-certs (got "${values['certificate-key']}")`);
    const runtime = oneOf<RuntimeName>('join', 'runtime', values.runtime, runtimes);
    if (!/^\d+$/.test(values.nodes) || Number(values.nodes) < 1) throw new UsageError(`lab join: --nodes must be a whole number of at least 1 (got "${values.nodes}")`);
    if (values.address !== undefined && parseIp(values.address) === undefined) throw new UsageError(`lab join: --address must be this machine's IPv4 address (got "${values.address}")`);
    const proxyMode = values['proxy-mode'] === undefined ? undefined : oneOf<ProxyMode>('join', 'proxy-mode', values['proxy-mode'], proxyModes);
    const started = Date.now();
    const r = await join({
      url: url.replace(/\/$/, ''),
      token: values.token,
      caCertHashes: hashes,
      unsafeSkipCAVerification: skip,
      nodes: Number(values.nodes),
      name: values.name,
      hostName: values['host-name'],
      address: values.address,
      runtime,
      proxyMode,
      certificateKey: values['certificate-key'],
      log: (line) => console.log(line),
    });
    setCurrentLab(r.state.plan.name);
    const nodes = r.state.plan.nodes.map((n) => `${n.name} (${n.ip}, pods ${n.podCIDR})`).join(', ');
    console.log(`host ${r.host} joined lab ${r.lab} in ${((Date.now() - started) / 1000).toFixed(2)} s: ${nodes} Ready`);
    console.log(`Local lab name: ${r.state.plan.name} (lab status --name ${r.state.plan.name}; lab down --name ${r.state.plan.name} takes this machine's part down)`);
  },
};
