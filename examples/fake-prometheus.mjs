// Prometheus's instant-query API on your machine, to try rules with a Prometheus source without a
// Prometheus: GET or POST /api/v1/query answers every query with the value you last set, as an
// instant vector of one sample (the JSON Prometheus documents); before you set one, with no series.
// With PROM_TOKEN set, a query must carry "Authorization: Bearer <PROM_TOKEN>", as behind a proxy.
//
//   node examples/fake-prometheus.mjs        # PORT (9095, beside a real Prometheus on 9090), PROM_TOKEN (none)
//   curl -X PUT http://127.0.0.1:9095/value -d 450
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9095);
const token = process.env.PROM_TOKEN;
let value;

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const answer = (status, json) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    if (req.method === 'PUT' && url.pathname === '/value') {
      if (body.trim() === '' || !Number.isFinite(Number(body))) return res.writeHead(400).end('PUT /value with a number as the body\n');
      value = Number(body);
      console.log(`every query now answers ${value}`);
      return res.writeHead(204).end();
    }
    if (url.pathname !== '/api/v1/query' || (req.method !== 'GET' && req.method !== 'POST')) return res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
    if (token && req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
    const form = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
    const query = form.get('query');
    if (!query) return answer(400, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": parse error: no expression found in input' });
    const time = Number(form.get('time') ?? Date.now() / 1000);
    console.log(`${query} at ${new Date(time * 1000).toISOString()} → ${value ?? 'no series'}`);
    const result = value === undefined ? [] : [{ metric: {}, value: [time, String(value)] }];
    return answer(200, { status: 'success', data: { resultType: 'vector', result } });
  });
});
server.listen(port, '127.0.0.1', () => console.log(`fake Prometheus listening on http://127.0.0.1:${server.address().port}`));
