import test from 'ava';
import { floodChanges, floodDestinations } from '../../../src/overlay/fdb.js';

test('the flood destinations of `bridge -j fdb show dev vxlan0`: all-zeros entries only', (t) => {
  const json = JSON.stringify([
    { mac: '00:00:00:00:00:00', ifname: 'vxlan0', dst: '198.18.0.130', flags: ['self'], state: 'permanent' },
    { mac: '8a:11:22:33:44:55', ifname: 'vxlan0', dst: '198.18.0.134', flags: ['self'] },
    { mac: '8a:11:22:33:44:55', ifname: 'vxlan0', master: 'br-nodes', state: '' },
  ]);
  t.deepEqual(floodDestinations(json), ['198.18.0.130']);
  t.deepEqual(floodDestinations(''), []);
});

test('exactly one entry per other host: missing appended, stale and duplicated deleted, nothing when in sync', (t) => {
  t.deepEqual(floodChanges([], ['198.18.0.130', '198.18.0.138']), ['fdb append 00:00:00:00:00:00 dev vxlan0 dst 198.18.0.130', 'fdb append 00:00:00:00:00:00 dev vxlan0 dst 198.18.0.138']);
  t.deepEqual(floodChanges(['198.18.0.130', '198.18.0.142', '198.18.0.130'], ['198.18.0.130']), ['fdb del 00:00:00:00:00:00 dev vxlan0 dst 198.18.0.142', 'fdb del 00:00:00:00:00:00 dev vxlan0 dst 198.18.0.130']);
  t.deepEqual(floodChanges(['198.18.0.130'], ['198.18.0.130']), []);
});
