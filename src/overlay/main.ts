// The overlay daemon, one per host of a lab that spans machines (`lab up --listen`, `lab join`):
// keeps exactly one flood entry per other Host's address on this host's switch's vxlan0, from a
// watch of Hosts, so the node network is one L2 segment across machines. A restart resyncs.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Host } from '../api/hosts.js';
import { types } from '../api/resources.js';
import { ApiClient } from '../client/client.js';
import { Informer } from '../client/informer.js';
import { run } from '../net/run.js';
import { floodChanges, floodDestinations } from './fdb.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    /** This machine's Host: its own address gets no entry. */
    host: { type: 'string' },
    /** The lab's switch namespace on this machine, holding vxlan0. */
    switch: { type: 'string' },
    'token-file': { type: 'string' },
    'cert-file': { type: 'string' },
    'key-file': { type: 'string' },
    'ca-file': { type: 'string' },
  },
});
for (const required of ['server', 'host', 'switch'] as const) {
  if (!values[required]) {
    console.error(`overlay: --${required} is required`);
    process.exit(2);
  }
}
const sw = values.switch!;
const self = values.host!;
const read = (f: string | undefined) => (f ? fs.readFileSync(f) : undefined);
const tls = values['ca-file'] ? { ca: read(values['ca-file'])!, cert: read(values['cert-file']), key: read(values['key-file']) } : undefined;
const client = new ApiClient({ server: values.server!, tokenFile: values['token-file'], tls, userAgent: `svclab-overlay/${self}` });
const hosts = new Informer<Host>(client, types.hosts).start();

let pending: NodeJS.Timeout | undefined;
let running = Promise.resolve();

async function sync(): Promise<void> {
  const want = hosts.list().filter((h) => h.metadata.name !== self && h.spec?.address).map((h) => h.spec.address);
  const shown = await run('bridge', ['-n', sw, '-j', 'fdb', 'show', 'dev', 'vxlan0']);
  if (shown.exitCode !== 0) throw new Error(`bridge -n ${sw} fdb show dev vxlan0: ${shown.stderr.trim()}`);
  const lines = floodChanges(floodDestinations(shown.stdout), want);
  if (lines.length === 0) return;
  const r = await run('bridge', ['-n', sw, '-batch', '-'], { input: lines.join('\n') + '\n' });
  if (r.exitCode !== 0) throw new Error(`bridge -n ${sw} -batch: ${r.stderr.trim()}`);
  console.log(`overlay: ${lines.join('; ')}`);
}

function schedule(delayMs = 20): void {
  clearTimeout(pending);
  pending = setTimeout(() => {
    running = running.then(sync).catch((e: unknown) => {
      console.error(`overlay: ${(e as Error).message}; retrying`);
      schedule(1000);
    });
  }, delayMs);
}

hosts.on({ add: () => schedule(), update: () => schedule(), delete: () => schedule() });
await hosts.synced;
schedule(0);
// A flood entry removed by hand comes back within a resync period, as a controller's would.
setInterval(() => schedule(0), 30_000).unref();
console.log(`overlay: host ${self}, switch ${sw}: one flood entry per other host`);

const stop = (): void => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
