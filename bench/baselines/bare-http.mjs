// Baseline: the ceiling of "a request answered by Node": node:http reads the body and
// answers a fixed JSON body of the W1 answer's shape. No GraphQL, no auth.
import { createServer } from 'node:http';
import { announce } from './data.mjs';

const body = Buffer.from(`${JSON.stringify({ data: { me: { id: '1', email: 'a@example.com', role: 'USER' } } })}\n`);
const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    response.end(body);
  });
});
server.listen(0, '127.0.0.1', () => announce(`http://127.0.0.1:${server.address().port}`, () => new Promise((r) => server.close(r))));
