import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {
  contentHash,
  dependencyClosure,
  imageRef,
  parseAlternatives,
  parseDependsField,
  parseDpkgStatus,
  podImageRef,
  runtimeModules,
} from '../../../../src/runtime/docker/images.js';
import { imageRows } from '../../../../src/cli/images.js';
import { tempDir } from '../../../helpers/tmp.js';

const STATUS = `Package: iptables
Status: install ok installed
Architecture: amd64
Version: 1.8.9-2
Pre-Depends: libc6 (>= 2.34)
Depends: libip4tc2 (= 1.8.9-2), libnftnl11 (>= 1.1.6) | libnftnl-legacy,
 netbase, debconf (>= 0.5) | debconf-2.0
Description: administration tools
 for packet filtering

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9
Depends: libgcc-s1

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Version: 12.2.0-14
Depends: libc6 (>= 2.35)

Package: libip4tc2
Status: install ok installed
Architecture: amd64
Version: 1.8.9-2

Package: libnftnl11
Status: install ok installed
Architecture: amd64
Version: 1.2.4-2

Package: netbase
Status: install ok installed
Architecture: all
Version: 6.4

Package: cdebconf
Status: install ok installed
Architecture: amd64
Version: 0.270
Provides: debconf-2.0

Package: python3
Status: install ok installed
Architecture: amd64
Version: 3.11.2-1

Package: busybox
Status: deinstall ok config-files
Architecture: amd64
Version: 1:1.35.0-4

Package: busybox-static
Status: install ok installed
Architecture: amd64
Version: 1:1.35.0-4
`;

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
  t.deepEqual(parseAlternatives('iptables', IPTABLES_ALTERNATIVES, '/usr/sbin/iptables-legacy'), [
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

test('only runtime dependencies of package-lock.json go into the image', (t) => {
  const lock = {
    packages: {
      '': {},
      'node_modules/ws': {},
      'node_modules/ava': { dev: true },
      'node_modules/fsevents': { devOptional: true },
      'node_modules/dockerode/node_modules/tar-fs': {},
    },
  };
  t.deepEqual(runtimeModules(lock), ['node_modules/dockerode/node_modules/tar-fs', 'node_modules/ws']);
});

test('image tags: the node image by content hash, catalogue images under svclab.local with their tag or latest', (t) => {
  t.is(imageRef('0123456789abcdef0123'), 'svclab/node:0123456789ab');
  t.is(podImageRef('lab/hello'), 'svclab.local/lab/hello:latest');
  t.is(podImageRef('nginx'), 'svclab.local/nginx:latest');
  t.is(podImageRef('pgolard/ms-hello:v4'), 'svclab.local/pgolard/ms-hello:v4');
});

test('the content hash follows dist/ by content and other files by mtime', (t) => {
  const dir = tempDir(t);
  const dist = path.join(dir, 'dist');
  fs.mkdirSync(dist);
  const js = path.join(dist, 'a.js');
  const module = path.join(dir, 'node_modules-ws.js');
  fs.writeFileSync(js, 'one');
  fs.writeFileSync(module, 'ws');
  const packages = parseDpkgStatus(STATUS);
  const hash = (): string => contentHash({ packages: [...packages.values()], alternatives: [], own: new Map([js, module].map((p) => [p, fs.lstatSync(p)])) }, dist);
  const first = hash();
  t.is(hash(), first, 'the same inputs give the same hash');

  const { mtime } = fs.statSync(js);
  fs.writeFileSync(js, 'one');
  fs.utimesSync(js, new Date(0), new Date(0));
  t.is(hash(), first, 'a dist file rewritten with the same content keeps the hash');
  fs.writeFileSync(js, 'two');
  fs.utimesSync(js, mtime, mtime);
  const second = hash();
  t.not(second, first, 'a dist file with new content of the same size changes it');

  fs.utimesSync(module, new Date(1000), new Date(1000));
  t.not(hash(), second, 'a reinstalled module changes it');
  t.not(contentHash({ packages: [...packages.values()].slice(1), alternatives: [], own: new Map() }, dist), contentHash({ packages: [...packages.values()], alternatives: [], own: new Map() }, dist), 'so does the package set');
});

test('images ls shows one row per tag, the node tag first, newest image first', (t) => {
  const rows = imageRows([
    { Id: 'sha256:aaaaaaaaaaaaffff', RepoTags: ['svclab/node:old'], Size: 230e6, Created: 1_700_000_000 },
    { Id: 'sha256:bbbbbbbbbbbbffff', RepoTags: ['svclab.local/nginx:latest', 'svclab/node:new', 'svclab.local/lab/hello:latest'], Size: 231.4e6, Created: 1_700_000_100 },
    { Id: 'sha256:ccccccccccccffff', RepoTags: ['<none>:<none>'], Size: 1e6, Created: 1_600_000_000 },
  ]);
  t.deepEqual(rows, [
    ['svclab/node:new', 'bbbbbbbbbbbb', '231 MB', '2023-11-14 22:15:00'],
    ['svclab.local/lab/hello:latest', 'bbbbbbbbbbbb', '231 MB', '2023-11-14 22:15:00'],
    ['svclab.local/nginx:latest', 'bbbbbbbbbbbb', '231 MB', '2023-11-14 22:15:00'],
    ['svclab/node:old', 'aaaaaaaaaaaa', '230 MB', '2023-11-14 22:13:20'],
    ['<none>', 'cccccccccccc', '1 MB', '2020-09-13 12:26:40'],
  ]);
});
