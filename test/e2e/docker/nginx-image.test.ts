// The `nginx` image on the docker runtime: Debian's nginx from the node image (nginx-checks.ts).
import test from 'ava';
import { labName } from '../../helpers/lab.js';
import { dockerE2e } from '../../helpers/root.js';
import { nginxImageTests } from '../kubelet/nginx-checks.js';

nginxImageTests(await dockerE2e(test), labName('dnginx'), ['--nodes', '2', '--runtime', 'docker']);
