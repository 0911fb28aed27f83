// lab trace in nftables mode (see trace.ts).
import test from 'ava';
import { traceTests } from './trace.js';

traceTests(test, 'nftables', 'trnf');
