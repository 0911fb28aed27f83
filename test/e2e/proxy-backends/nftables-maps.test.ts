import test from 'ava';
import { serviceKey } from '../../../src/agent/proxy/model.js';
import { NftablesMapsBackend } from '../../../src/agent/proxy/nftables-maps/backend.js';
import { NftSession } from '../../../src/agent/proxy/nftables/session.js';
import { systemTool } from '../../../src/net/tools.js';
import { e2e } from '../../helpers/root.js';
import { endpoint, node, servicePort } from '../../unit/agent/proxy/fixtures.js';
import { inNs, inside, netns, removeLeftoverNetns } from './netns.js';

const it = e2e(test);
it.after.always(removeLeftoverNetns);

const web = servicePort({ name: 'web', clusterIP: '10.96.0.10', nodePort: 30080, endpoints: ['10.244.1.10', '10.244.1.11'].map((ip) => endpoint(ip)) });

it('an nft -i session applies each transaction as one batch, reports a failed batch whole, and comes back after being killed', async (t) => {
  const ns = await netns(t);
  const session = new NftSession([...inNs(ns), systemTool('nft')]);
  t.teardown(() => session.close());
  t.is((await session.apply('add table ip t\nadd set ip t s { type ipv4_addr ; }\nadd element ip t s { 10.0.0.1 }\n')).exitCode, 0);
  const failed = await session.apply('add element ip t s { 10.0.0.2 }\ndelete element ip t s { 10.0.0.9 }\n');
  t.is(failed.exitCode, 1);
  t.regex(failed.stderr, /delete element ip t s/);
  t.regex(await inside(ns, 'nft', ['list', 'set', 'ip', 't', 's']), /elements = \{ 10\.0\.0\.1 \}/, 'the failed batch left nothing behind');
  session.close();
  t.is((await session.apply('add element ip t s { 10.0.0.3 }\n')).exitCode, 0, 'a new session after the old one died');
  t.regex(await inside(ns, 'nft', ['list', 'set', 'ip', 't', 's']), /10\.0\.0\.3/);
});

it('nftables-maps partial syncs go through the session; a failed one makes the next sync full and right', async (t) => {
  const ns = await netns(t);
  const backend = new NftablesMapsBackend({ exec: inNs(ns) });
  t.teardown(() => backend.cleanup());
  await backend.sync({ node, services: [web] });
  const moved = { ...web, endpoints: [endpoint('10.244.1.10'), endpoint('10.244.1.12')] };
  await backend.sync({ node, services: [moved], changed: new Set([serviceKey(moved)]) });
  const map = await inside(ns, 'nft', ['list', 'map', 'ip', 'svclab-maps', 'cluster-endpoints']);
  t.regex(map, /10\.96\.0\.10 \. tcp \. 80 \. 0x00000001 counter packets 0 bytes 0 : 10\.244\.1\.12 \. 80/);
  t.notRegex(map, /10\.244\.1\.11/);
  // Someone deletes the map's element behind our back: the next partial delete fails, the sync after is full.
  await inside(ns, 'nft', ['delete', 'element', 'ip', 'svclab-maps', 'cluster-endpoints', '{ 10.96.0.10 . tcp . 80 . 1 }']);
  const back = { ...moved, endpoints: [endpoint('10.244.1.10'), endpoint('10.244.1.13')] };
  await t.throwsAsync(backend.sync({ node, services: [back], changed: new Set([serviceKey(back)]) }), { message: /nft -i \(session\) failed/ });
  await backend.sync({ node, services: [back], changed: new Set([serviceKey(back)]) });
  t.regex(await inside(ns, 'nft', ['list', 'map', 'ip', 'svclab-maps', 'cluster-endpoints']), /10\.96\.0\.10 \. tcp \. 80 \. 0x00000001 counter packets 0 bytes 0 : 10\.244\.1\.13 \. 80/);
});
