import test from 'ava';
import { dependencyClosure, parseAlternatives, parseDependsField, parseDpkgStatus } from '../../../../src/runtime/docker/dpkg.js';
import { preferredAlternatives } from '../../../../src/runtime/docker/node-image.js';
import { STATUS } from './dpkg-status.js';

test('a Depends field keeps alternatives and drops versions and architecture qualifiers', (t) => {
  t.deepEqual(parseDependsField('libc6 (>= 2.34), python3:any, libnftnl11 (>= 1.1.6) | libnftnl-legacy [amd64], '), [
    ['libc6'],
    ['python3'],
    ['libnftnl11', 'libnftnl-legacy'],
  ]);
});

test('the status file yields installed packages only, with continued fields joined', (t) => {
  const installed = parseDpkgStatus(STATUS);
  t.false(installed.has('busybox'), 'config-files is not installed');
  const iptables = installed.get('iptables')!;
  t.is(iptables.version, '1.8.9-2');
  t.deepEqual(iptables.depends, [['libc6'], ['libip4tc2'], ['libnftnl11', 'libnftnl-legacy'], ['netbase'], ['debconf', 'debconf-2.0']]);
  t.is(installed.get('libc6')!.multiArch, 'same');
  t.deepEqual(installed.get('cdebconf')!.provides, ['debconf-2.0']);
});

test('the closure follows Depends and Pre-Depends through providers, cycles included, and names missing roots', (t) => {
  const { packages, missing } = dependencyClosure(parseDpkgStatus(STATUS), ['iptables', 'busybox | busybox-static', 'ipvsadm']);
  t.deepEqual(
    packages.map((p) => p.name),
    ['busybox-static', 'cdebconf', 'iptables', 'libc6', 'libgcc-s1', 'libip4tc2', 'libnftnl11', 'netbase'],
  );
  t.deepEqual(missing, ['ipvsadm']);
});

const IPTABLES_ALTERNATIVES = `auto
/usr/sbin/iptables
iptables-restore
/usr/sbin/iptables-restore
iptables-save
/usr/sbin/iptables-save

/usr/sbin/iptables-legacy
10
/usr/sbin/iptables-legacy-restore
/usr/sbin/iptables-legacy-save
/usr/sbin/iptables-nft
20
/usr/sbin/iptables-nft-restore
/usr/sbin/iptables-nft-save

`;

test('iptables and its restore/save links are the nf_tables variants even when the host chose legacy', (t) => {
  t.deepEqual(parseAlternatives('iptables', IPTABLES_ALTERNATIVES, '/usr/sbin/iptables-legacy', preferredAlternatives.iptables), [
    { name: 'iptables', link: '/usr/sbin/iptables', target: '/usr/sbin/iptables-nft' },
    { name: 'iptables-restore', link: '/usr/sbin/iptables-restore', target: '/usr/sbin/iptables-nft-restore' },
    { name: 'iptables-save', link: '/usr/sbin/iptables-save', target: '/usr/sbin/iptables-nft-save' },
  ]);
});

test("other alternatives follow the host's choice", (t) => {
  const nc = 'manual\n/bin/nc\nnetcat\n/bin/netcat\n\n/bin/nc.openbsd\n50\n/bin/nc.openbsd\n/bin/nc.traditional\n10\n/bin/nc.traditional\n\n';
  t.deepEqual(parseAlternatives('nc', nc, '/bin/nc.traditional'), [
    { name: 'nc', link: '/bin/nc', target: '/bin/nc.traditional' },
    { name: 'netcat', link: '/bin/netcat', target: '/bin/nc.traditional' },
  ]);
  t.deepEqual(parseAlternatives('nc', nc, '/bin/nc.gone'), [], 'a choice the file does not list gives nothing');
});
