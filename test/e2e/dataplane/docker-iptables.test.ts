// The data plane's behaviours with real packets in iptables mode, nodes and pods as Docker containers.
import test from 'ava';
import { dataplaneTests } from './dataplane.js';

await dataplaneTests(test, 'iptables', 'dpdipt', 'docker');
