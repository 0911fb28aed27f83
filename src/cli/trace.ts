// `lab trace --from PLACE --to svc/[NAMESPACE/]NAME[:PORT]|IP:PORT [--proto tcp|udp] [-o json]`.
import { ApiClient } from '../client/client.js';
import { adminConnection } from '../lab/credentials.js';
import { formatTrace } from '../trace/format.js';
import { trace, TraceError } from '../trace/trace.js';
import { type Command, parse, UsageError } from './args.js';
import { labFlag, requireLab } from './lab-select.js';

export const traceCommand: Command = {
  summary: 'send one probe and follow it through the kernel rules of every node it crosses (nftables tracing)',
  usage: '[--name lab] [-n namespace] --from pod/NAME|node/NAME|outside --to svc/[NAMESPACE/]NAME[:PORT]|IP:PORT [--proto tcp|udp] [-o text|json]',
  async run(argv) {
    const { values } = parse('trace', argv, {
      ...labFlag,
      namespace: { type: 'string', short: 'n', default: 'default' },
      from: { type: 'string' },
      to: { type: 'string' },
      proto: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
    });
    if (!values.from || !values.to) throw new UsageError('lab trace: give --from (pod/NAME, node/NAME or outside) and --to (svc/NAME[:PORT] or IP:PORT)');
    if (values.proto !== undefined && values.proto !== 'tcp' && values.proto !== 'udp') throw new UsageError(`lab trace: --proto must be one of tcp, udp (got "${values.proto}")`);
    if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`lab trace: --output must be one of text, json (got "${values.output}")`);
    const { name, state } = requireLab('trace', values.name);
    const client = new ApiClient({ ...adminConnection(state), timeoutMs: 10_000 });
    try {
      const result = await trace({ lab: name, plan: state.plan, api: adminConnection(state), client, from: values.from, to: values.to, proto: values.proto as 'tcp' | 'udp' | undefined, namespace: values.namespace });
      console.log(values.output === 'json' ? JSON.stringify(result, null, 2) : formatTrace(result));
      return result.probe.ok ? 0 : 1;
    } catch (e) {
      if (e instanceof TraceError) throw new UsageError(`lab trace: ${e.message}`);
      throw e;
    } finally {
      client.close();
    }
  },
};
