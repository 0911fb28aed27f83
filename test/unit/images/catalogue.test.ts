import test from 'ava';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { catalogueNames, commandLine, resolveImage, type ImageSpec } from '../../../src/agent/kubelet/catalogue.js';

const SEED_IMAGES = ['pgolard/ms-hello:v4', 'pgolard/ms-bye:v4', 'pgolard/multcont-morning:v3', 'pgolard/multcont-afternoon:v3', 'nginx', 'bretfisher/httpenv'];

test('every image the seed tutorials use resolves to a compiled program that exists (nginx: Debian\'s)', (t) => {
  for (const image of SEED_IMAGES.filter((i) => i !== 'nginx')) {
    const spec = resolveImage(image);
    t.truthy(spec, image);
    t.is(spec!.entrypoint[0], process.execPath);
    t.true(fs.existsSync(spec!.entrypoint[1]), spec!.entrypoint[1]);
  }
  t.deepEqual(resolveImage('pgolard/ms-hello:v4')!.ports, [7777]);
  t.deepEqual(resolveImage('pgolard/ms-bye:v4')!.ports, [9999]);
  t.deepEqual(resolveImage('pgolard/multcont-morning:v3')!.ports, [1234]);
  t.deepEqual(resolveImage('pgolard/multcont-afternoon:v3')!.ports, [4321]);
});

test('the lab images run the compiled programs under dist/images', (t) => {
  t.regex(resolveImage('lab/hello')!.entrypoint[1], /\/dist\/images\/hello\/main\.js$/);
  t.regex(resolveImage('lab/echo:v2')!.entrypoint[1], /\/dist\/images\/echo\/main\.js$/);
  t.true(fs.existsSync(resolveImage('lab/hello')!.entrypoint[1]));
  t.true(fs.existsSync(resolveImage('lab/echo')!.entrypoint[1]));
});

test('the tutorial apps carry the node:12 environment the seed prints', (t) => {
  const { env } = resolveImage('pgolard/ms-bye:v4')!;
  t.is(env.NODE_VERSION, '12.0.0');
  t.is(env.YARN_VERSION, '1.15.2');
  t.is(env.PATH, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

test('nginx resolves with any tag, registry prefix, library path or digest', (t) => {
  for (const image of ['nginx', 'nginx:1.25', 'nginx:latest', 'docker.io/library/nginx:latest', 'index.docker.io/library/nginx', 'docker.io/nginx:alpine', 'nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31']) {
    t.is(resolveImage(image)?.name, 'nginx', image);
  }
});

test('nginx is Debian\'s nginx with the official image\'s entrypoint, command, and volumes of its own for configuration and state', (t) => {
  const nginx = resolveImage('nginx:1.25.3-alpine')!;
  t.deepEqual(nginx.cmd, ['nginx', '-g', 'daemon off;']);
  t.deepEqual(commandLine(nginx, {}).slice(-3), ['nginx', '-g', 'daemon off;']);
  t.is(nginx.entrypoint[3], '/docker-entrypoint.sh');
  t.deepEqual(nginx.volumes, ['/etc/nginx', '/var/lib/nginx']);
  const version = /nginx\/(\S+)/.exec(spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr)![1];
  t.is(nginx.env.NGINX_VERSION, version);
  t.deepEqual(Object.keys(nginx.files!({})).sort(), ['/etc/nginx/conf.d/default.conf', '/etc/nginx/nginx.conf']);
});

test('the tutorial images resolve only at the tags the tutorial uses', (t) => {
  t.is(resolveImage('docker.io/pgolard/ms-hello:v4')?.name, 'pgolard/ms-hello:v4');
  t.is(resolveImage('pgolard/ms-hello:v3'), undefined);
  t.is(resolveImage('pgolard/ms-hello'), undefined);
  t.is(resolveImage('pgolard/multcont-morning:v4'), undefined);
});

test('unknown images are rejected and the catalogue names the known ones', (t) => {
  for (const image of ['redis', 'registry.k8s.io/pause:3.9', 'lab/nothing', 'constructor', 'quay.io/nginx']) {
    t.is(resolveImage(image), undefined, image);
  }
  const names = catalogueNames();
  for (const name of [...SEED_IMAGES, 'lab/hello', 'lab/echo', 'lab/toolbox', 'busybox', 'alpine', 'debian', 'ubuntu', 'curlimages/curl', 'nicolaka/netshoot', 'registry.k8s.io/e2e-test-images/agnhost', 'hashicorp/http-echo', 'traefik/whoami']) {
    t.true(names.includes(name), name);
  }
});

test('toolbox images idle forever unless given a command', (t) => {
  for (const image of ['lab/toolbox', 'busybox:1.36', 'alpine', 'debian', 'ubuntu:22.04', 'nicolaka/netshoot']) {
    const spec = resolveImage(image)!;
    t.deepEqual(commandLine(spec, {}), ['sleep', 'infinity'], image);
  }
  t.deepEqual(commandLine(resolveImage('busybox')!, { command: ['nslookup', 'kubernetes'] }), ['nslookup', 'kubernetes']);
});

test('command replaces the entrypoint and args replace the cmd, as Kubernetes does over Docker', (t) => {
  const spec: ImageSpec = { name: 'x', entrypoint: ['/ep', '-v'], cmd: ['serve'], env: {} };
  t.deepEqual(commandLine(spec, {}), ['/ep', '-v', 'serve']);
  t.deepEqual(commandLine(spec, { args: ['run', '1'] }), ['/ep', '-v', 'run', '1']);
  t.deepEqual(commandLine(spec, { command: ['sh'] }), ['sh']);
  t.deepEqual(commandLine(spec, { command: ['sh'], args: ['-c', 'true'] }), ['sh', '-c', 'true']);
  t.deepEqual(commandLine(spec, { command: [], args: [] }), ['/ep', '-v', 'serve']);
});

test('the curl image runs commands, and takes bare arguments as curl options', (t) => {
  const spec = resolveImage('curlimages/curl')!;
  const run = (args: string[]): string => {
    const [file, ...rest] = commandLine(spec, { args });
    return spawnSync(file, rest, { env: spec.env, encoding: 'utf8' }).stdout;
  };
  t.is(run(['echo', 'hi']), 'hi\n');
  t.regex(run(['--version']), /^curl \d/);
});
