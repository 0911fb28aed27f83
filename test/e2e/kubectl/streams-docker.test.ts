// The same kubectl streaming checks against a docker-runtime lab (port-forward, kubectl proxy,
// run -i/-it --rm): the bytes reach Docker containers' namespaces; the SPDY fallback and the
// attach errors, identical above the runtime, run in streams.test.ts only.
import test from 'ava';
import { labName } from '../../helpers/lab.js';
import { dockerE2e } from '../../helpers/root.js';
import { streamingTests } from './streams-checks.js';

streamingTests(await dockerE2e(test), labName('dstreams'), ['--nodes', '2', '--runtime', 'docker'], { all: false });
