// TRANSPORT-04: HSTS on every HTTPS response — 2xx, 4xx, 429, 5xx (upstream faults), parser errors and redirects — and never over HTTP.

import { connect } from 'node:tls';
import { Agent, type Dispatcher, request } from 'undici';
import { afterAll } from 'vitest';
import { createTenant } from '../../fixtures/factories.ts';
import { chatBody, PROXY_PATHS } from '../../fixtures/proxy-requests.ts';
import { describe, expect, type Tenant, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import { type CreatedKey, parseRateLimitPolicy } from '../../harness/contract/schemas.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { makeCanary } from '../../harness/probes/canary.ts';
import { hstsShortfall, ONE_YEAR_S } from '../../harness/tls/hsts.ts';

interface Seen {
  status: number;
  /** every Strict-Transport-Security field as received (an array when repeated) */
  hsts: string | string[] | undefined;
}

const agents = new Map<string, Agent>();
afterAll(async () => {
  await Promise.all([...agents.values()].map((agent) => agent.close()));
});

function agentFor(env: EnvironmentInfo): Agent {
  let agent = agents.get(env.caPem);
  if (agent === undefined) {
    agent = new Agent({ connect: { ca: env.caPem } });
    agents.set(env.caPem, agent);
  }
  return agent;
}

/** One request; the HSTS header is kept as the server sent it, repeats included. */
async function send(
  env: EnvironmentInfo,
  baseUrl: string,
  path: string,
  init: { method?: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: string } = {},
): Promise<Seen> {
  const response = await request(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
    ...(baseUrl.startsWith('https:') ? { dispatcher: agentFor(env) } : {}),
  });
  await response.body.dump();
  return { status: response.statusCode, hsts: response.headers['strict-transport-security'] };
}

const httpsOf = (env: EnvironmentInfo) => env.replicas[0]!.httpsUrl;

function chat(env: EnvironmentInfo, apiKey: string, model: string, extra: { stream?: boolean } = {}) {
  return send(env, httpsOf(env), PROXY_PATHS.openai, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'x-provider-key': makeCanary('openai'),
      'content-type': 'application/json',
    },
    body: JSON.stringify(chatBody('openai', model, 'hello', extra.stream ?? false)),
  });
}

/** A request line the HTTP parser rejects before the app sees it (an obs-fold-free header without a colon). */
function parserRejectedRequest(env: EnvironmentInfo): Promise<Seen> {
  const url = new URL(httpsOf(env));
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: env.caPem });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer to a malformed request')));
    socket.once('secureConnect', () =>
      socket.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\nthis line is not a header\r\n\r\n`),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', () => {
      const head = Buffer.concat(chunks).toString('latin1').split('\r\n\r\n')[0] ?? '';
      const [statusLine = '', ...lines] = head.split('\r\n');
      const values = lines
        .filter((line) => /^strict-transport-security:/i.test(line))
        .map((line) => line.slice(line.indexOf(':') + 1).trim());
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN),
        hsts: values.length === 0 ? undefined : values.length === 1 ? values[0] : values,
      });
    });
  });
}

interface Context {
  env: EnvironmentInfo;
  target: TargetClient;
  tenant: Tenant;
  apiKey: CreatedKey;
}

interface HttpsCase {
  name: string;
  status: number;
  run(context: Context): Promise<Seen>;
}

const HTTPS_CASES: HttpsCase[] = [
  { name: '200 GET /health', status: 200, run: ({ env }) => send(env, httpsOf(env), '/health') },
  { name: '200 dashboard page', status: 200, run: ({ env }) => send(env, httpsOf(env), '/dashboard/keys') },
  {
    name: '200 key list',
    status: 200,
    run: ({ env, tenant }) => send(env, httpsOf(env), '/v1/auth/keys', { headers: bearer(tenant.token) }),
  },
  {
    name: '200 proxied completion',
    status: 200,
    run: ({ env, apiKey }) => chat(env, apiKey.raw_key, 'gpt-4o-mini'),
  },
  {
    name: '200 streamed completion (SSE)',
    status: 200,
    run: ({ env, apiKey }) => chat(env, apiKey.raw_key, 'gpt-4o-mini', { stream: true }),
  },
  {
    name: '400 missing X-Provider-Key',
    status: 400,
    run: ({ env, apiKey }) =>
      send(env, httpsOf(env), PROXY_PATHS.openai, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey.raw_key}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'hello', false)),
      }),
  },
  {
    name: '400 malformed JSON',
    status: 400,
    run: ({ env }) =>
      send(env, httpsOf(env), '/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email":',
      }),
  },
  { name: '400 from the HTTP parser', status: 400, run: ({ env }) => parserRejectedRequest(env) },
  {
    name: '401 unknown mt_live_ key',
    status: 401,
    run: ({ env }) => chat(env, `mt_live_${'x'.repeat(38)}`, 'gpt-4o-mini'),
  },
  {
    name: '401 management call without a session',
    status: 401,
    run: ({ env }) => send(env, httpsOf(env), '/v1/usage'),
  },
  { name: '404 unknown path', status: 404, run: ({ env }) => send(env, httpsOf(env), '/no/such/path') },
  {
    name: "404 another tenant's key id",
    status: 404,
    run: async ({ env, target, apiKey }) => {
      const intruder = await createTenant(target);
      return send(env, httpsOf(env), `/v1/auth/keys/${apiKey.id}`, { headers: bearer(intruder.token) });
    },
  },
  {
    name: '409 duplicate key name',
    status: 409,
    run: ({ env, tenant, apiKey }) =>
      send(env, httpsOf(env), '/v1/auth/keys', {
        method: 'POST',
        headers: { ...bearer(tenant.token), 'content-type': 'application/json' },
        body: JSON.stringify({ name: apiKey.name }),
      }),
  },
  {
    name: '413 body over the plan size',
    status: 413,
    run: ({ env, apiKey }) =>
      send(env, httpsOf(env), PROXY_PATHS.openai, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey.raw_key}`,
          'x-provider-key': makeCanary('openai'),
          'content-type': 'application/json',
        },
        body: JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'x'.repeat(200 * 1024), false)),
      }),
  },
  {
    name: '429 past the key quota',
    status: 429,
    run: async ({ env, apiKey }) => {
      const first = await request(`${httpsOf(env)}${PROXY_PATHS.openai}`, {
        method: 'POST',
        dispatcher: agentFor(env),
        headers: {
          authorization: `Bearer ${apiKey.raw_key}`,
          'x-provider-key': makeCanary('openai'),
          'content-type': 'application/json',
        },
        body: JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'hello', false)),
      });
      await first.body.dump();
      const header = first.headers['ratelimit-policy'];
      const quota = parseRateLimitPolicy(Array.isArray(header) ? header[0] : header)?.quota ?? 1_000;
      let last: Seen = { status: first.statusCode, hsts: first.headers['strict-transport-security'] };
      for (let sent = 1; sent <= quota && last.status !== 429; sent++)
        last = await chat(env, apiKey.raw_key, 'gpt-4o-mini');
      return last;
    },
  },
  {
    name: '500 passed through from the provider',
    status: 500,
    run: ({ env, apiKey }) => chat(env, apiKey.raw_key, 'mock-500'),
  },
  {
    name: '502 provider reset the connection',
    status: 502,
    run: ({ env, apiKey }) => chat(env, apiKey.raw_key, 'mock-reset'),
  },
  {
    name: '502 provider sent malformed JSON',
    status: 502,
    run: ({ env, apiKey }) => chat(env, apiKey.raw_key, 'mock-malformed-json'),
  },
  {
    name: '504 provider timed out',
    status: 504,
    run: ({ env, apiKey }) => chat(env, apiKey.raw_key, 'mock-timeout'),
  },
];

/** Paths where HTTPS servers commonly redirect (a directory without its slash, or with one too many). */
const REDIRECT_CANDIDATES = ['/dashboard', '/dashboard/', '/dashboard/keys/', '/v1/auth/keys/'];

describe(claimTitle('TRANSPORT-04'), () => {
  test('reads a missing header on the HTTP listener and a short one as shortfalls (positive control)', async ({
    env,
    evidence,
  }) => {
    const overHttp = await send(env, env.replicas[0]!.httpUrl, '/health');
    const missing = hstsShortfall(overHttp.hsts);
    const short = hstsShortfall('max-age=86400; includeSubDomains');
    await evidence.positiveControl('the HSTS reader sees absence on a real response and a short max-age', {
      httpStatus: overHttp.status,
      missing,
      short,
      minimumMaxAge: ONE_YEAR_S,
    });
    expect(missing).toMatch(/no Strict-Transport-Security/);
    expect(short).toMatch(/under one year/);
  });

  test.for(HTTPS_CASES)(
    'sends HSTS with $name',
    async ({ name, status, run }, { env, target, tenant, apiKey, evidence }) => {
      const seen = await run({ env, target, tenant, apiKey });
      const shortfall = hstsShortfall(seen.hsts);
      await evidence.record(name, { expectedStatus: status, ...seen, shortfall });
      // the row proves HSTS on this kind of response only if the target really answered with it
      expect(seen.status).toBe(status);
      expect(shortfall).toBeNull();
    },
  );

  test('sends HSTS with every answer to paths that commonly redirect', async ({ env, evidence }) => {
    const seen = await Promise.all(
      REDIRECT_CANDIDATES.map(async (path) => ({ path, ...(await send(env, httpsOf(env), path)) })),
    );
    const redirects = seen.filter((s) => s.status >= 300 && s.status < 400).length;
    await evidence.record('answers to redirect candidates over HTTPS', {
      seen,
      redirectsSeen: redirects,
      note: redirects === 0 ? 'this target redirects none of these paths over HTTPS' : undefined,
    });
    for (const s of seen) expect(hstsShortfall(s.hsts), `${s.path} → ${s.status}`).toBeNull();
  });

  test.for([
    { name: 'GET / (redirect)', path: '/', method: 'GET' as const, host: undefined },
    {
      name: 'POST to the proxy endpoint (redirect)',
      path: '/v1/chat/completions',
      method: 'POST' as const,
      host: undefined,
    },
    {
      name: 'a Host header that is not a name (refusal)',
      path: '/',
      method: 'GET' as const,
      host: 'evil.example/x',
    },
  ])('sends no HSTS over HTTP: $name', async ({ name, path, method, host }, { env, evidence }) => {
    for (const [index, replica] of env.replicas.entries()) {
      const seen = await send(env, replica.httpUrl, path, { method, ...(host ? { headers: { host } } : {}) });
      await evidence.record(`HTTP replica ${index}: ${name}`, { ...seen });
      expect(seen.hsts).toBeUndefined();
    }
  });
});
