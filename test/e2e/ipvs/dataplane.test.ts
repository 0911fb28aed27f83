// The data plane's behaviours with real packets in IPVS mode (see ../dataplane/dataplane.ts).
import test from 'ava';
import { dataplaneTests } from '../dataplane/dataplane.js';
import { whenIpvs } from './kernel.js';

await whenIpvs(test, () => dataplaneTests(test, 'ipvs', 'dpipvs'));
