// Benchmark: the reference proxy's overhead against the mock upstream and a bare undici pass-through, measured in one run.
// Run: node bench/proxy-overhead.ts [--concurrency 16] [--seconds 5] [--max-requests 50000] [--keys 1]
// Everything binds 127.0.0.1; the load generator runs in a worker thread, the servers on the main thread.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { Pool } from 'undici';
import { createKey, createTenant } from '../reference-proxy/test/api-helpers.ts';
import { startTestEnvironment } from '../reference-proxy/test/test-environment.ts';
import type { LoadJob, LoadRequest, LoadResult } from './proxy-overhead-load.ts';

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '50000' },
    /** keys (each of its own tenant) the proxied mix rotates over; 1 puts every call on one counter row */
    keys: { type: 'string', default: '1' },
  },
});
const CONCURRENCY = Number(values.concurrency);
const DURATION_MS = Math.min(60, Number(values.seconds)) * 1_000;
const MAX_REQUESTS = Number(values['max-requests']);
const KEYS = Math.max(1, Math.min(64, Number(values.keys)));

const PROMPT = [{ role: 'user', content: 'Say hello in five words.' }];
/** the mix: three providers, each non-streamed and streamed; upstream path and the proxy's own path */
const MIX = [
  {
    upstream: '/v1/chat/completions',
    proxy: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: PROMPT },
  },
  {
    upstream: '/v1/chat/completions',
    proxy: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: PROMPT, stream: true },
  },
  {
    upstream: '/v1/messages',
    proxy: '/v1/messages',
    body: { model: 'claude-x', max_tokens: 64, messages: PROMPT },
  },
  {
    upstream: '/v1/messages',
    proxy: '/v1/messages',
    body: { model: 'claude-x', max_tokens: 64, messages: PROMPT, stream: true },
  },
  {
    upstream: '/v1beta/models/gemini-x:generateContent',
    proxy: '/v1/generateContent',
    body: { model: 'gemini-x', contents: [{ parts: [{ text: 'hi' }] }] },
  },
  {
    upstream: '/v1beta/models/gemini-x:streamGenerateContent?alt=sse',
    proxy: '/v1/generateContent',
    body: { model: 'gemini-x', contents: [{ parts: [{ text: 'hi' }] }], stream: true },
  },
];

function upstreamBody(entry: (typeof MIX)[number]): string {
  if (!entry.upstream.startsWith('/v1beta/')) return JSON.stringify(entry.body);
  const { model: _model, stream: _stream, ...rest } = entry.body as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** (b): the dozen lines a bare pass-through needs — method, path, body in; status, type, body out. */
async function startBarePassThrough(
  upstreamUrl: string,
  ca: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const pool = new Pool(upstreamUrl, { connections: 128, connect: { ca } });
  const server: Server = createServer(async (request, response) => {
    try {
      const upstream = await pool.request({
        method: 'POST',
        path: request.url ?? '/',
        headers: { 'content-type': 'application/json' },
        body: request,
      });
      response.writeHead(upstream.statusCode, {
        'content-type': String(upstream.headers['content-type'] ?? 'application/json'),
      });
      for await (const chunk of upstream.body) response.write(chunk);
      response.end();
    } catch {
      response.writeHead(502).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.close();
    },
  };
}

function drive(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(import.meta.dirname, 'proxy-overhead-load.ts'), { workerData: job });
    worker.once('message', (message: LoadResult & { error?: string }) => {
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

interface Row {
  label: string;
  warmupCalls: number;
  rps: number;
  p50: number;
  p99: number;
  result: LoadResult;
}

async function measure(label: string, origin: string, ca: string, requests: LoadRequest[]): Promise<Row> {
  // a short warm-up (connections, JIT, pools), then the measured run
  const warmup = await drive({
    origin,
    ca,
    concurrency: CONCURRENCY,
    durationMs: 1_000,
    maxRequests: 2_000,
    requests,
  });
  const result = await drive({
    origin,
    ca,
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    maxRequests: MAX_REQUESTS,
    requests,
  });
  return {
    label,
    warmupCalls: warmup.completed + warmup.errors,
    rps: (result.completed / result.elapsedMs) * 1_000,
    p50: quantile(result.latencies, 0.5),
    p99: quantile(result.latencies, 0.99),
    result,
  };
}

const environment = await startTestEnvironment({
  LOG_LEVEL: 'warn',
  RATE_LIMIT_REQUESTS: '1000000000',
  DATABASE_POOL_SIZE: '10',
  UPSTREAM_TIMEOUT_SECONDS: '10',
});
const bare = await startBarePassThrough(environment.upstream.url, environment.tls.caPem);
try {
  await environment.app.listen({ port: 0, host: '127.0.0.1' });
  const proxyUrl = `http://127.0.0.1:${(environment.app.server.address() as AddressInfo).port}`;
  const rawKeys: string[] = [];
  for (let index = 0; index < KEYS; index += 1) {
    rawKeys.push((await createKey(environment.app, await createTenant(environment.app))).rawKey);
  }
  const json = { 'content-type': 'application/json' };
  const upstreamRequests = MIX.map((entry) => ({
    path: entry.upstream,
    headers: json,
    body: upstreamBody(entry),
  }));
  // every key meets every entry of the mix (KEYS × mix requests, rotated)
  const proxyRequests = rawKeys.flatMap((rawKey) =>
    MIX.map((entry) => ({
      path: entry.proxy,
      headers: { ...json, authorization: `Bearer ${rawKey}`, 'x-provider-key': 'sk-bench-provider-key-0000' },
      body: JSON.stringify(entry.body),
    })),
  );
  const ca = environment.tls.caPem;
  // transactions the database committed per proxied call (pg_stat_database, this database only)
  const stats = new pg.Client({ connectionString: environment.env.DATABASE_URL });
  await stats.connect();
  const transactions = async () => {
    await stats.query('SELECT pg_stat_clear_snapshot()');
    const result = await stats.query<{ n: string }>(
      'SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(result.rows[0]?.n ?? 0);
  };
  const rows = [
    await measure('(a) mock upstream', environment.upstream.url, ca, upstreamRequests),
    await measure('(b) bare pass-through', bare.url, ca, upstreamRequests),
  ];
  const xactBefore = await transactions();
  rows.push(await measure('(c) reference proxy', proxyUrl, ca, proxyRequests));
  // the stats collector reports with a delay of up to a second
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const xactAfter = await transactions();
  await stats.end();
  const [direct, passThrough, proxy] = rows as [Row, Row, Row];
  console.log(
    `concurrency ${CONCURRENCY}, ${DURATION_MS / 1_000} s per target (max ${MAX_REQUESTS} requests), mix of ${MIX.length}, ${KEYS} key(s) through the proxy`,
  );
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(24)} ${row.rps.toFixed(0).padStart(7)} req/s  p50 ${row.p50.toFixed(2).padStart(7)} ms  p99 ${row.p99.toFixed(2).padStart(7)} ms  ` +
        `n=${row.result.completed} errors=${row.result.errors} statuses=${JSON.stringify(row.result.statuses)}`,
    );
  }
  console.log(`proxy / mock throughput:          ${(proxy.rps / direct.rps).toFixed(3)}×`);
  console.log(
    `proxy / pass-through throughput:  ${(proxy.rps / passThrough.rps).toFixed(3)}×  (target ≥ 0.5×)`,
  );
  console.log(
    `p50 added over pass-through:      ${(proxy.p50 - passThrough.p50).toFixed(2)} ms  (target ≤ 2 ms)`,
  );
  console.log(`p50 ratio proxy / pass-through:   ${(proxy.p50 / passThrough.p50).toFixed(2)}×`);
  console.log(`p99 ratio proxy / pass-through:   ${(proxy.p99 / passThrough.p99).toFixed(2)}×`);
  // the warm-up's calls count too: divide by every proxied call of this phase
  const proxiedCalls = proxy.result.completed + proxy.result.errors + proxy.warmupCalls;
  console.log(
    `database transactions per proxied call: ${((xactAfter - xactBefore - 2) / proxiedCalls).toFixed(2)} (pg_stat_database, approximate)`,
  );
} finally {
  await bare.close();
  await environment.stop();
}
