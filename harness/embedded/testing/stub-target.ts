// A stand-in target for the environment's own tests: serves GET /health over HTTPS as the contract asks.
//
// STUB_BEHAVIOUR=exit-1 makes it fail at once (a broken target); STUB_BEHAVIOUR=never-ready makes it
// listen but answer /health with 503; STUB_BEHAVIOUR=eaddrinuse-once exits as if its port were taken
// the first time (it leaves STUB_MARKER_FILE behind), then starts normally.
// STUB_FAULT breaks it mid-run, once it answered /health: every other request on either port makes it
// `crash` (exit at once, mid-answer), `hang` (never answer), or `garbage` (bytes that are not HTTP). It checks DATABASE_URL and one mock upstream before listening,
// so a passing environment test proves the wiring, not just the spawn.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import pg from 'pg';

const env = process.env;
const log = (level: string, msg: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ level, msg, pid: process.pid, ...extra })}\n`);
};

if (env.STUB_BEHAVIOUR === 'exit-1') {
  process.stderr.write('stub-target: refusing to start (STUB_BEHAVIOUR=exit-1)\n');
  process.exit(1);
}

if (env.STUB_BEHAVIOUR === 'eaddrinuse-once' && !existsSync(env.STUB_MARKER_FILE ?? '')) {
  writeFileSync(env.STUB_MARKER_FILE ?? '', 'port taken once\n');
  process.stderr.write(`Error: listen EADDRINUSE: address already in use 127.0.0.1:${env.HTTPS_PORT}\n`);
  process.exit(1);
}

const client = new pg.Client({ connectionString: env.DATABASE_URL });
await client.connect();
const { rows } = await client.query<{ who: string }>('SELECT current_user AS who');
await client.end();
log('info', 'database reachable', { role: rows[0]?.who });

// NODE_EXTRA_CA_CERTS makes fetch trust the mock upstreams' certificate: a 401 (no key) proves TLS worked.
const upstream = await fetch(`${env.UPSTREAM_OPENAI_URL}/v1/chat/completions`, {
  method: 'POST',
  body: '{}',
});
log('info', 'upstream reachable', { status: upstream.status });

const ready = env.STUB_BEHAVIOUR !== 'never-ready';
const fault = env.STUB_FAULT ?? '';
if (!['', 'crash', 'hang', 'garbage'].includes(fault)) {
  process.stderr.write(`stub-target: STUB_FAULT is crash, hang or garbage (got ${fault})\n`);
  process.exit(2);
}
/** Applies STUB_FAULT to a request that is not GET /health; true when the fault took the request. */
function faulted(req: IncomingMessage, res: ServerResponse): boolean {
  if (fault === '' || req.url === '/health') return false;
  log('info', `fault ${fault}`, { method: req.method, url: req.url });
  if (fault === 'crash') process.exit(70);
  if (fault === 'garbage') {
    res.socket?.end(Buffer.concat([Buffer.from('\u0000\u00ff garbage \r\n\r\n'), randomBytes(64)]));
  }
  return true; // hang: the request is never answered
}
const https = createServer(
  { cert: readFileSync(env.TLS_CERT_FILE ?? ''), key: readFileSync(env.TLS_KEY_FILE ?? '') },
  (req, res) => {
    log('debug', 'request', { method: req.method, url: req.url });
    if (faulted(req, res)) return;
    const status = req.url === '/health' && ready ? 200 : 503;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ status: status === 200 ? 'ok' : 'unavailable', version: 'stub', git_sha: 'stub' }),
    );
  },
);
const http = createHttpServer((req, res) => {
  if (faulted(req, res)) return;
  res.writeHead(308, { location: `https://127.0.0.1:${env.HTTPS_PORT}${req.url}` }).end();
});
const host = env.BIND_HOST ?? '127.0.0.1';
https.listen(Number(env.HTTPS_PORT), host);
http.listen(Number(env.HTTP_PORT), host);
process.stderr.write(`stub-target listening on ${host}:${env.HTTPS_PORT}\n`);

process.on('SIGTERM', () => {
  log('info', 'SIGTERM: closing');
  https.close();
  http.close();
  https.closeAllConnections();
  http.closeAllConnections();
  process.exit(0);
});
