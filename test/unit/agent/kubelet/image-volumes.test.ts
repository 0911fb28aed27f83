import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageVolumes } from '../../../../src/agent/kubelet/image-volumes.js';

test('each volume is a fresh directory holding what the image has there, then the image files', (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-volumes-'));
  t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // The "image" content: a directory with a file and a symlink.
  const image = path.join(tmp, 'image', 'etc', 'app');
  fs.mkdirSync(path.join(image, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(image, 'mime.types'), 'types {}\n');
  fs.writeFileSync(path.join(image, 'app.conf'), 'the image default\n');
  fs.symlinkSync('/usr/lib/app/modules', path.join(image, 'modules'));
  const state = path.join(tmp, 'state');
  const missing = path.join(tmp, 'image', 'var', 'lib', 'app');
  const dir = path.join(state, 'volumes', 'web');
  fs.mkdirSync(path.join(dir, '0'), { recursive: true });
  fs.writeFileSync(path.join(dir, '0', 'left-over'), 'from the previous run');

  const mounts = imageVolumes(dir, { volumes: [image, missing], files: (env) => ({ [path.join(image, 'app.conf')]: `port ${env.PORT}\n`, [path.join(image, 'conf.d', 'x.conf')]: 'x\n', '/elsewhere/file': 'ignored' }) }, { PORT: '8000' });

  t.deepEqual(mounts, [
    { hostPath: path.join(dir, '0'), containerPath: image, readOnly: false },
    { hostPath: path.join(dir, '1'), containerPath: missing, readOnly: false },
  ]);
  t.is(fs.readFileSync(path.join(dir, '0', 'mime.types'), 'utf8'), 'types {}\n');
  t.is(fs.readFileSync(path.join(dir, '0', 'app.conf'), 'utf8'), 'port 8000\n');
  t.is(fs.readFileSync(path.join(dir, '0', 'conf.d', 'x.conf'), 'utf8'), 'x\n');
  t.is(fs.readlinkSync(path.join(dir, '0', 'modules')), '/usr/lib/app/modules');
  t.false(fs.existsSync(path.join(dir, '0', 'left-over')));
  t.deepEqual(fs.readdirSync(path.join(dir, '1')), []);
  t.false(fs.existsSync('/elsewhere/file'));
  t.is(fs.readFileSync(path.join(image, 'app.conf'), 'utf8'), 'the image default\n', 'the image is untouched');
});

test('an image without volumes gets no mounts and no directory', (t) => {
  const dir = path.join(os.tmpdir(), `svclab-volumes-none-${process.pid}`);
  t.deepEqual(imageVolumes(dir, {}, {}), []);
  t.false(fs.existsSync(dir));
});
