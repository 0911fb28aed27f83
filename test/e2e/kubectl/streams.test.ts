// The streaming side of a tutorial typed into the real /usr/bin/kubectl against one netns lab:
// port-forward to a pod, svc/ and deploy/ (SPDY over WebSocket, and the plain SPDY upgrade
// kubectl falls back to), its error for a closed port; kubectl proxy to a ClusterIP
// service and a pod; `kubectl run -i --rm ... -- nslookup web` and `run -it --rm ... -- sh`;
// attach's errors.
import test from 'ava';
import { labName } from '../../helpers/lab.js';
import { e2e } from '../../helpers/root.js';
import { streamingTests } from './streams-checks.js';

streamingTests(e2e(test), labName('streams'), ['--nodes', '2'], { all: true });
