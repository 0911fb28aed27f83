// The dashboard component: serves a lab's dashboard on 127.0.0.1 and writes
// the port it got to --port-file (lab up and lab ui print the URL from it).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { readState, serverUrl } from '../lab/state.js';
import { startDashboard } from './server.js';

const { values } = parseArgs({ options: { lab: { type: 'string' }, port: { type: 'string', default: '0' }, 'port-file': { type: 'string' }, 'token-file': { type: 'string' }, 'ca-file': { type: 'string' } } });
const state = values.lab ? readState(values.lab) : undefined;
if (!state || !values['port-file']) {
  console.error('dashboard: --lab NAME (of a lab with state) and --port-file PATH are required');
  process.exit(2);
}
// HTTPS to the API's TCP port with the lab CA and the dashboard's own token.
const api = { server: serverUrl(state), tls: values['ca-file'] ? { ca: fs.readFileSync(values['ca-file']) } : undefined, tokenFile: values['token-file'] };
const d = await startDashboard(values.lab!, state, api, Number(values.port));
const port = new URL(d.url).port;
fs.writeFileSync(`${values['port-file']}.tmp`, port);
fs.renameSync(`${values['port-file']}.tmp`, values['port-file']);
console.log(`dashboard: ${d.url}`);
process.on('SIGTERM', () => void d.close().finally(() => process.exit(0)));
