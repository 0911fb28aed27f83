// lab trace in nftables-maps mode (see trace.ts): no code of its own, the trace follows whatever chains the packet meets.
import test from 'ava';
import { traceTests } from './trace.js';

traceTests(test, 'nftables-maps', 'trmp');
