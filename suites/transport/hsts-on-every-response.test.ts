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
import { FOREIGN_ID_STATUSES, precondition } from '../../harness/verdict.ts';

interface Seen {
  status: number;
  /** every Strict-Transport-Security field as received (an array when repeated) */
  hsts: string | string[] | undefined;
  /** the Location of a redirect */
  location?: string | undefined;
  /** the start of an HTML body, where links to further paths are read */
  html?: string | undefined;
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
  const type = String(response.headers['content-type'] ?? '');
  const html = type.includes('text/html') ? (await response.body.text()).slice(0, 64 * 1024) : undefined;
  if (html === undefined) await response.body.dump();
  const location = response.headers.location;
  return {
    status: response.statusCode,
    hsts: response.headers['strict-transport-security'],
    ...(location === undefined ? {} : { location: Array.isArray(location) ? location[0] : location }),
    ...(html === undefined ? {} : { html }),
  };
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
  /** other statuses the contract allows for this response, when it allows variants */
  alsoAllowed?: readonly number[];
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
    alsoAllowed: FOREIGN_ID_STATUSES,
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
const REDIRECT_CANDIDATES = ['/', '/dashboard', '/dashboard/', '/dashboard/keys/', '/v1/auth/keys/'];
/** At most this many paths linked from the target's own pages are tried besides the candidates. */
const MAX_LINKED_PATHS = 20;

/** Same-origin paths an HTML page links to (href/src/action), as the target serves them. */
function linkedPaths(html: string, base: string): string[] {
  const origin = new URL(base).origin;
  const out = new Set<string>();
  for (const m of html.matchAll(/\b(?:href|src|action)\s*=\s*["']([^"'#]+)["']/gi)) {
    try {
      const url = new URL(m[1]!, base);
      if (url.origin === origin) out.add(`${url.pathname}${url.search}`);
    } catch {
      // not a URL: nothing to follow
    }
  }
  return [...out];
}

/** The paths to try for redirects: the candidates, the manifest's dashboard path with and without its slash, and what the pages link to. */
async function redirectPaths(env: EnvironmentInfo, dashboardPath: string): Promise<string[]> {
  const trimmed = dashboardPath.replace(/\/+$/, '') || '/';
  const parent = trimmed.slice(0, trimmed.lastIndexOf('/')) || '/';
  const paths = new Set([...REDIRECT_CANDIDATES, trimmed, `${trimmed}/`, parent]);
  const linked = new Set<string>();
  for (const page of ['/', trimmed]) {
    const seen = await send(env, httpsOf(env), page);
    for (const path of linkedPaths(seen.html ?? '', `${httpsOf(env)}${page}`)) linked.add(path);
  }
  for (const path of [...linked].slice(0, MAX_LINKED_PATHS)) paths.add(path);
  return [...paths];
}

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
    async ({ name, status, alsoAllowed, run }, { env, target, tenant, apiKey, evidence }) => {
      const { html: _html, ...seen } = await run({ env, target, tenant, apiKey });
      const shortfall = hstsShortfall(seen.hsts);
      await evidence.record(name, { expectedStatus: status, ...seen, shortfall });
      // the row proves HSTS on this kind of response only if the target really answered with it:
      // another status means the harness did not produce this kind of response, not that HSTS is missing
      const allowed = [status, ...(alsoAllowed ?? [])];
      precondition(
        allowed.includes(seen.status),
        `${name}: the target answered ${seen.status}, not ${allowed.join(' or ')}, so this row says nothing about HSTS on such a response`,
      );
      expect(shortfall).toBeNull();
    },
  );

  test('sends HSTS with the redirects it serves over HTTPS, and with every answer to paths that commonly redirect', async ({
    env,
    manifest,
    evidence,
  }) => {
    const paths = await redirectPaths(env, manifest.dashboard?.path ?? '/dashboard/keys');
    const seen = await Promise.all(
      paths.map(async (path) => {
        const { html: _html, ...answer } = await send(env, httpsOf(env), path);
        return { path, ...answer };
      }),
    );
    const redirects = seen.filter((s) => s.status >= 300 && s.status < 400);
    await evidence.record('answers to redirect candidates over HTTPS', {
      tried: paths,
      seen,
      redirectsSeen: redirects.map((r) => `${r.path} → ${r.status} ${r.location ?? ''}`),
      // not a failure: a target may serve no redirect over HTTPS at all, and then there is none to check
      redirectsObserved:
        redirects.length > 0
          ? 'observed'
          : 'not observed: the target redirected none of these paths over HTTPS, so HSTS on an HTTPS redirect was not seen',
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
