// The data plane's behaviours with real packets in nftables-maps mode (see dataplane.ts).
import test from 'ava';
import { dataplaneTests } from './dataplane.js';

await dataplaneTests(test, 'nftables-maps', 'dpmap');
