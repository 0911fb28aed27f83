import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { podImageRef } from '../../../../src/agent/kubelet/cri/pod-image-ref.js';
import { parseDpkgStatus } from '../../../../src/runtime/docker/dpkg.js';
import { contentHash, imageRef, runtimeModules } from '../../../../src/runtime/docker/node-image.js';
import { imageRows } from '../../../../src/cli/images.js';
import { tempDir } from '../../../helpers/tmp.js';
import { STATUS } from './dpkg-status.js';

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
