// The data plane's behaviours with real packets in nftables mode, nodes and pods as Docker containers.
import test from 'ava';
import { dataplaneTests } from './dataplane.js';

await dataplaneTests(test, 'nftables', 'dpdnft', 'docker');
