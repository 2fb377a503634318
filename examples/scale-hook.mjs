// A platform behind Tide's `http` target, to try Tide without one: it answers
// GET with its replicas and applies a POSTed scaling only when its
// X-Tide-Signature is the HMAC-SHA256 of the body with SCALE_HOOK_SECRET.
//
//   SCALE_HOOK_SECRET=change-me node examples/scale-hook.mjs   # PORT (8088), REPLICAS (2)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const secret = process.env.SCALE_HOOK_SECRET;
if (!secret) {
  console.error('scale-hook: set SCALE_HOOK_SECRET to the secret the target names (env:SCALE_HOOK_SECRET)');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 8088);
let replicas = Number(process.env.REPLICAS ?? 2);

const signed = (body, header) => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`);
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const answer = (status, value) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    if (req.method === 'GET') return answer(200, { replicas });
    if (req.method !== 'POST') return answer(405, { error: 'GET or POST' });
    if (!signed(body, req.headers['x-tide-signature'])) {
      console.log(`refused a scaling with a bad signature: ${body}`);
      return answer(401, { error: 'bad signature' });
    }
    const scaling = JSON.parse(body);
    console.log(`scaled ${scaling.service} ${replicas} → ${scaling.to} (signature ok, ${scaling.trigger}): ${scaling.reason}`);
    replicas = scaling.to;
    return answer(200, { replicas });
  });
});
server.listen(port, '127.0.0.1', () => console.log(`scale hook listening on http://127.0.0.1:${server.address().port}/scale/myweb with ${replicas} replicas`));
