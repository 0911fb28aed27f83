// The table of `lab` commands.
import { runBenchUp } from '../bench/up.js';
import { benchPods } from '../bench/pods.js';
import { benchServices } from '../bench/services.js';
import { benchStore } from '../bench/store.js';
import { benchDns } from '../bench/dns.js';
import { benchProxy } from '../bench/proxy.js';
import { benchIngress } from '../bench/ingress.js';
import { benchRbac } from '../bench/rbac.js';
import { home } from '../lab/state.js';
import { clean, down, up } from '../lab/lifecycle.js';
import { defaultProxyMode, proxyModes, type ProxyMode } from '../agent/proxy/modes.js';
import { runtimes, stores, type RuntimeName, type StoreName } from '../lab/plan.js';
import { kubeconfigUsage } from '../lab/kubeconfig.js';
import { formatStatus, labStatus } from '../lab/status.js';
import { setCurrentLab } from '../lab/select.js';
import { labFlag, labName } from './lab-select.js';
import { traceCommand } from './trace.js';
import { uiCommand, waitForDashboard } from './ui.js';
import { schedulers } from '../agent/proxy/ipvs/names.js';
import { runTests } from './test.js';
import { applyCommand } from './apply.js';
import { execCommand, logsCommand } from './pods.js';
import { etcdctlCommand } from './etcdctl.js';
import { kubectlCommand } from './kubectl.js';
import { runCommand } from './run.js';
import { demoCommand } from './demo.js';
import { vmCommand } from './vm.js';
import { imagesCommand } from './images.js';
import { rulesCommand } from './rules.js';
import { tokenCommand } from './token.js';
import { uploadCertsCommand } from './upload-certs.js';
import { labJoinCommand } from './join.js';
import { oneOf, parse, UsageError, type Command } from './args.js';
import fs from 'node:fs';
import { checkToken, generateToken, joinCommand as joinCommandLine, parseTtl } from '../lab/bootstrap-tokens.js';
import { generateCertificateKey } from '../lab/upload-certs.js';
import { pkiFiles } from '../lab/credentials.js';

// No -n: users read it as kubectl's namespace flag (lab exec/logs/apply take -n NAMESPACE).
// No default either: without --name the lab is chosen as in lab/select.ts.
const nameFlag = labFlag;

function wholeNumber(command: string, flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`lab ${command}: --${flag} must be a whole number (got "${value}")`);
  return Number(value);
}

export const commands: Record<string, Command> = {
  up: {
    summary: 'bring a lab up: nodes, API server, controllers, one agent per node',
    usage: `[--name lab] [--nodes 3] [--proxy-mode ${proxyModes.join('|')}] [--runtime netns|docker] [--node-grace-period 10] [--lb-pool FIRST-LAST|none] [--ipvs-scheduler rr|lc|sh|...] [--ui-port 0] [--ingress] [--store embedded|etcd] [--hosts 1] [--listen ADDR:PORT [--token TOKEN] [--token-ttl 24h]]`,
    async run(argv) {
      const { values } = parse('up', argv, {
        name: { type: 'string', default: 'lab' },
        nodes: { type: 'string', default: '3' },
        // Simulated hosts (namespaces linked by a routed transit network, one VXLAN node network).
        hosts: { type: 'string', default: '1' },
        'proxy-mode': { type: 'string', default: defaultProxyMode },
        runtime: { type: 'string', default: 'netns' },
        'node-grace-period': { type: 'string', default: '10' },
        'lb-pool': { type: 'string' },
        'ipvs-scheduler': { type: 'string', default: 'rr' },
        'ui-port': { type: 'string', default: '0' },
        ingress: { type: 'boolean', default: false },
        // SVCLAB_STORE=etcd runs every lab on etcd (e.g. the end-to-end suites).
        store: { type: 'string', default: process.env.SVCLAB_STORE ?? 'embedded' },
        // Serve the API on this address too, for other hosts to `lab join`.
        listen: { type: 'string' },
        // The bootstrap token hosts join with (default: a new one), as kubeadm init's --token and --token-ttl.
        token: { type: 'string' },
        'token-ttl': { type: 'string', default: '24h' },
      });
      if (values.token !== undefined && values.listen === undefined) throw new UsageError('lab up: --token needs --listen ADDR:PORT (hosts join over the network)');
      const joinToken = values.listen === undefined ? undefined : values.token !== undefined ? checkToken(values.token) : generateToken();
      const joinTokenTtlMs = parseTtl(values['token-ttl']);
      // kubeadm init --upload-certs: control planes join a lab on etcd with this key, printed once and kept nowhere.
      const certificateKey = values.listen !== undefined && values.store === 'etcd' ? generateCertificateKey() : undefined;
      const uiPort = wholeNumber('up', 'ui-port', values['ui-port']);
      if (uiPort > 65535) throw new UsageError(`lab up: --ui-port must be a port number (got "${uiPort}")`);
      const started = Date.now();
      const state = await up({
        name: labName('up', values.name),
        nodes: wholeNumber('up', 'nodes', values.nodes),
        hosts: wholeNumber('up', 'hosts', values.hosts),
        proxyMode: oneOf<ProxyMode>('up', 'proxy-mode', values['proxy-mode'], proxyModes),
        runtime: oneOf<RuntimeName>('up', 'runtime', values.runtime, runtimes),
        nodeGracePeriodSeconds: wholeNumber('up', 'node-grace-period', values['node-grace-period']),
        lbPool: values['lb-pool'],
        ipvsScheduler: oneOf('up', 'ipvs-scheduler', values['ipvs-scheduler'], schedulers),
        uiPort,
        ingress: values.ingress,
        store: oneOf<StoreName>('up', 'store', values.store, stores),
        listen: values.listen,
        joinToken,
        joinTokenTtlMs,
        certificateKey,
      });
      setCurrentLab(state.plan.name);
      const status = await labStatus(state.plan.name);
      console.log(`lab ${state.plan.name} is up in ${((Date.now() - started) / 1000).toFixed(2)} s\n`);
      console.log(formatStatus(status!));
      console.log(`\n${kubeconfigUsage(state.plan.name)}`);
      if (state.plan.store === 'etcd') console.log(`Objects are in etcd: lab etcdctl --name ${state.plan.name} -- get --prefix /registry/ --keys-only`);
      if (state.plan.listen && joinToken) {
        const command = joinCommandLine(state.plan.listen, joinToken, fs.readFileSync(pkiFiles.caCert(state.plan.name)));
        const shown = command.replace(' --discovery-token-ca-cert-hash', ' \\\n      --discovery-token-ca-cert-hash');
        console.log(`\nTo add hosts, run on each of them:\n  ${shown}`);
        if (certificateKey) {
          console.log(`\nTo add control planes (an etcd member, an API server and a controller-manager each), run on each of them:\n  ${shown} \\\n      --control-plane --certificate-key ${certificateKey}`);
          console.log("(the certificate key decrypts the lab's certificates in Secret kube-system/svclab-certs: keep it secret; it is not stored.");
          console.log(` As a safeguard the certificates are deleted in two hours; upload them again with a new key: lab upload-certs --name ${state.plan.name})`);
        }
        console.log(`(the token expires ${joinTokenTtlMs ? `in ${values['token-ttl']}` : 'never'}; more with: lab token create --name ${state.plan.name} --print-join-command)`);
      }
      const url = await waitForDashboard(state.plan.name, 5000);
      console.log(`Dashboard: ${url ?? `not listening yet (lab ui --name ${state.plan.name} prints its address)`}`);
      console.log(`Take it down with: lab down --name ${state.plan.name}`);
    },
  },
  join: labJoinCommand,
  down: {
    summary: 'stop a lab and remove everything it made',
    usage: '[--name lab]',
    async run(argv) {
      const { values } = parse('down', argv, nameFlag);
      const name = labName('down', values.name);
      await down(name);
      console.log(`lab ${name} is down`);
    },
  },
  status: {
    summary: "show a lab's nodes and processes",
    usage: '[--name lab] [-o json]',
    async run(argv) {
      const { values } = parse('status', argv, { ...nameFlag, output: { type: 'string', short: 'o', default: 'text' } });
      const output = oneOf('status', 'output', values.output, ['text', 'json'] as const);
      const name = labName('status', values.name);
      const status = await labStatus(name);
      if (!status) {
        console.error(`no lab named "${name}"`);
        return 1;
      }
      console.log(output === 'json' ? JSON.stringify(status, null, 2) : formatStatus(status));
    },
  },
  clean: {
    summary: 'remove every lab and every leftover of one (namespaces, processes, state), also after kill -9',
    usage: '',
    async run(argv) {
      parse('clean', argv, {});
      const removed = await clean((line) => console.log(line));
      if (removed.length === 0) console.log('nothing to clean');
    },
  },
  demo: demoCommand,
  bench: {
    summary: 'benchmarks; `lab bench up` times lab up for 3 and 20 nodes and measures agent memory; also `bench pods`, `bench services`',
    usage: `up [--nodes 3,20] [--runs 3] [--runtime netns[,docker]] [--store embedded[,etcd]] [--hosts 1[,2]] [--pods N] [--out bench-results/up.json] | store ${benchStore.usage} | pods ${benchPods.usage} | services ${benchServices.usage}`,
    async run(argv) {
      const [what, ...rest] = argv;
      const other: Record<string, Command> = { pods: benchPods, services: benchServices, dns: benchDns, proxy: benchProxy, ingress: benchIngress, store: benchStore, rbac: benchRbac };
      if (what && other[what]) return other[what].run(rest);
      if (what !== 'up') throw new UsageError(`lab bench: unknown benchmark "${what ?? ''}" (available: up, ${Object.keys(other).join(', ')})`);
      const { values } = parse('bench up', rest, {
        nodes: { type: 'string', default: '3,20' },
        runs: { type: 'string', default: '3' },
        runtime: { type: 'string', default: 'netns' },
        pods: { type: 'string', default: '0' },
        store: { type: 'string', default: 'embedded' },
        hosts: { type: 'string', default: '1' },
        out: { type: 'string', default: `${home}/bench-results/up.json` },
      });
      const sizes = values.nodes.split(',').map((n) => wholeNumber('bench up', 'nodes', n));
      const runtimesWanted = values.runtime.split(',').map((r) => oneOf<RuntimeName>('bench up', 'runtime', r, runtimes));
      const pods = /^\d+$/.test(values.pods) ? Number(values.pods) : wholeNumber('bench up', 'pods', values.pods);
      const storesWanted = values.store.split(',').map((s) => oneOf<StoreName>('bench up', 'store', s, stores));
      const hostsWanted = values.hosts.split(',').map((h) => wholeNumber('bench up', 'hosts', h));
      await runBenchUp({ sizes, runs: wholeNumber('bench up', 'runs', values.runs), out: values.out, runtimes: runtimesWanted, stores: storesWanted, hosts: hostsWanted, pods });
    },
  },
  exec: {
    summary: 'run a command in a pod (through the API, like kubectl exec), or on node/NAME, outside or router',
    usage: '[--name lab] [-n namespace] [-c container] POD|node/NAME|outside|router -- COMMAND...',
    async run(argv) {
      const dash = argv.indexOf('--');
      const before = dash >= 0 ? argv.slice(0, dash) : argv;
      const command = dash >= 0 ? argv.slice(dash + 1) : [];
      const { values, positionals } = parse('exec', before, { ...nameFlag, namespace: { type: 'string', short: 'n', default: 'default' }, container: { type: 'string', short: 'c' } }, true);
      if (positionals.length !== 1) throw new UsageError('lab exec: name one target: a pod, node/NAME, outside or router');
      return execCommand(labName('exec', values.name), values.namespace, positionals[0]!, values.container, command);
    },
  },
  logs: {
    summary: "print a pod container's logs (-f follows, --tail N, -p previous run)",
    usage: '[--name lab] [-n namespace] [-c container] [-f] [--tail N] [-p] POD',
    async run(argv) {
      const { values, positionals } = parse(
        'logs',
        argv,
        {
          ...nameFlag,
          namespace: { type: 'string', short: 'n', default: 'default' },
          container: { type: 'string', short: 'c' },
          follow: { type: 'boolean', short: 'f', default: false },
          tail: { type: 'string' },
          previous: { type: 'boolean', short: 'p', default: false },
        },
        true,
      );
      if (positionals.length !== 1) throw new UsageError('lab logs: name one pod');
      return logsCommand(labName('logs', values.name), values.namespace, positionals[0]!.replace(/^pod\//, ''), values);
    },
  },
  apply: {
    summary: 'create or replace the objects of YAML manifests',
    usage: '[--name lab] [-n namespace] -f FILE [-f FILE...]',
    async run(argv) {
      const { values } = parse('apply', argv, { ...nameFlag, namespace: { type: 'string', short: 'n', default: 'default' }, filename: { type: 'string', short: 'f', multiple: true } });
      if (!values.filename?.length) throw new UsageError('lab apply: give at least one -f FILE');
      return applyCommand(labName('apply', values.name), values.filename, values.namespace);
    },
  },
  kubectl: kubectlCommand,
  etcdctl: etcdctlCommand,
  run: runCommand,
  vm: vmCommand,
  images: imagesCommand,
  rules: rulesCommand,
  token: tokenCommand,
  'upload-certs': uploadCertsCommand,
  trace: traceCommand,
  ui: uiCommand,
  test: {
    summary: 'run every test (unit and end-to-end); `./lab test` also installs what is missing',
    usage: '[ava file patterns...]',
    run: (argv) => runTests(argv),
  },
};
