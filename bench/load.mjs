// The load generator, in its own process (pinned to its own core where taskset exists):
// autocannon with keep-alive and fixed connections, every response body checked.
// Usage: node bench/load.mjs '<json: { url, body, headers, connections, seconds, expected | expectAccessToken }>'
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2]);
const verifyBody =
  options.expected !== undefined
    ? (body) => body === options.expected
    : (body) => body.includes('"accessToken":"') && !body.includes('"errors"');
const result = await autocannon({
  url: options.url,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...options.headers },
  body: options.body,
  connections: options.connections,
  duration: options.seconds,
  verifyBody,
});
console.log(
  JSON.stringify({
    total: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    wrong: result.errors + result.timeouts + result.mismatches + result.non2xx,
  }),
);
