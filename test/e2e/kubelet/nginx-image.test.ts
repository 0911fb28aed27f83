// The `nginx` image on the netns runtime: Debian's nginx in the pod's namespaces (nginx-checks.ts).
import test from 'ava';
import { labName } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { nginxImageTests } from './nginx-checks.js';

nginxImageTests(e2e(test), labName('nginx'), ['--nodes', '2']);
