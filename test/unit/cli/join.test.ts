// `lab join`'s flags: each mistake is one clear line and exit 2, before anything is asked of the network or made.
import test from 'ava';
import { execa } from 'execa';
import path from 'node:path';
import { home } from '../../../src/lab/state.js';

const lab = (...args: string[]) => execa(process.execPath, [path.join(home, 'dist', 'src', 'cli', 'main.js'), 'join', ...args], { reject: false });
const url = 'https://192.0.2.10:6443';
const token = 'abcdef.0123456789abcdef';

const cases: [string, string[], RegExp][] = [
  ['no address', ['--token', token, '--discovery-token-unsafe-skip-ca-verification'], /give exactly one control plane address, https:\/\/ADDR:PORT/],
  ['not https', ['http://192.0.2.10:6443', '--token', token, '--discovery-token-unsafe-skip-ca-verification'], /must be https:\/\/ADDR:PORT \(got "http:\/\/192\.0\.2\.10:6443"\)/],
  ['no token', [url, '--discovery-token-unsafe-skip-ca-verification'], /--token is required \(on the control plane: lab token create\)/],
  ['no CA pin', [url, '--token', token], /give --discovery-token-ca-cert-hash sha256:HEX .* or accept any CA with --discovery-token-unsafe-skip-ca-verification/],
  ['an unknown runtime', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--runtime', 'kvm'], /--runtime must be one of netns, docker \(got "kvm"\)/],
  ['zero nodes', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--nodes', '0'], /--nodes must be a whole number of at least 1 \(got "0"\)/],
  ['bad address', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--address', '1.2.3'], /--address must be this machine's IPv4 address \(got "1\.2\.3"\)/],
  ['unknown flag', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--experimental-control-plane'], /lab join: unknown flag '--experimental-control-plane'/],
  ['--control-plane without a key', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--control-plane'], /lab join: --control-plane needs --certificate-key HEX/],
  ['a key without --control-plane', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--certificate-key', 'ab'.repeat(32)], /lab join: --certificate-key goes with --control-plane/],
  ['a malformed key', [url, '--token', token, '--discovery-token-unsafe-skip-ca-verification', '--control-plane', '--certificate-key', 'xyz'], /lab join: --certificate-key must be 64 hexadecimal digits/],
];

for (const [name, args, message] of cases) {
  test(`lab join refuses ${name} with one clear line, exit 2`, async (t) => {
    const r = await lab(...args);
    t.is(r.exitCode, 2);
    t.regex(String(r.stderr), message);
    t.is(String(r.stderr).trim().split('\n').length, 1);
  });
}
