// lab trace in iptables mode (see trace.ts).
import test from 'ava';
import { traceTests } from './trace.js';

traceTests(test, 'iptables', 'trip');
