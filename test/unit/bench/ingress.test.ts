import test from 'ava';
import { parseWrk } from '../../../src/bench/ingress.js';

// wrk 4.1.0's report with --latency, as Debian's build prints it.
const report = `Running 10s test @ http://10.96.12.7/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.45ms    2.10ms  41.33ms   95.12%
    Req/Sec    10.98k     1.02k   12.31k    71.00%
  Latency Distribution
     50%    1.03ms
     75%    1.32ms
     90%  812.00us
     99%   13.84ms
  109271 requests in 10.00s, 21.26MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  10926.82
Transfer/sec:      2.13MB
`;

test('wrk report: requests/s, percentiles in ms whatever unit wrk chose, errors summed', (t) => {
  t.deepEqual(parseWrk(report), { requestsPerSecond: 10927, p50Ms: 1.03, p90Ms: 0.812, p99Ms: 13.84, requests: 109271, errors: 7 });
});

test('a report without the latency distribution is an error, not zeros', (t) => {
  t.throws(() => parseWrk('Requests/sec: 5\n  5 requests in 1.00s'), { message: /no 50% latency/ });
});
