// ERRORS-02: no permissive CORS: a foreign Origin is never reflected, `*` never comes with credentials, preflights grant a foreign origin nothing.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { makeCanary } from '../../harness/probes/canary.ts';
import { precondition } from '../../harness/verdict.ts';

const EVIL = 'https://evil.example';

/** What a response's CORS headers grant `origin`; [] when nothing. `preflight` also counts `*` as a grant. */
function corsProblems(headers: Record<string, string>, origin: string, preflight: boolean): string[] {
  const allowOrigin = headers['access-control-allow-origin']?.trim();
  const credentials = headers['access-control-allow-credentials']?.trim().toLowerCase() === 'true';
  const problems: string[] = [];
  if (allowOrigin === undefined) return problems;
  if (allowOrigin.toLowerCase() === origin.toLowerCase())
    problems.push(`Access-Control-Allow-Origin reflects ${origin}`);
  if (allowOrigin === 'null') problems.push('Access-Control-Allow-Origin: null');
  if (allowOrigin === '*' && credentials) problems.push('Access-Control-Allow-Origin: * with credentials');
  if (allowOrigin === '*' && preflight) problems.push('the preflight grants any origin (*)');
  return problems;
}

/** A local server that does what a permissive API does: echo the Origin and allow credentials. */
async function reflectingServer() {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(req.method === 'OPTIONS' ? 204 : 200, {
      'access-control-allow-origin': req.headers.origin ?? '*',
      'access-control-allow-credentials': 'true',
    });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const PREFLIGHT_ROUTES: readonly [string, string, string][] = [
  ['/v1/auth/login', 'POST', 'content-type'],
  ['/v1/auth/keys', 'POST', 'authorization, content-type'],
  ['/v1/auth/keys', 'GET', 'authorization'],
  ['/v1/usage', 'GET', 'authorization'],
  ['/v1/chat/completions', 'POST', 'authorization, content-type, x-provider-key'],
  ['/v1/messages', 'POST', 'x-api-key, content-type, x-provider-key, anthropic-version'],
  ['/v1/generateContent', 'POST', 'authorization, content-type, x-provider-key'],
];

describe(claimTitle('ERRORS-02'), () => {
  test('reports a server that reflects the origin (positive control)', async ({ evidence }) => {
    const { url, server } = await reflectingServer();
    try {
      const simple = await fetch(`${url}/v1/auth/keys`, { headers: { origin: EVIL } });
      const pre = await fetch(`${url}/v1/auth/keys`, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST' },
      });
      const found = [
        ...corsProblems(Object.fromEntries(simple.headers), EVIL, false),
        ...corsProblems(Object.fromEntries(pre.headers), EVIL, true),
      ];
      await evidence.positiveControl('a reflecting server is reported', { found });
      precondition(
        found.filter((p) => p.includes('reflects')).length === 2,
        `the check missed a reflected origin: ${found.join('; ') || 'nothing reported'}`,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('never reflects a foreign origin nor pairs * with credentials on ordinary requests', async ({
    target,
    tenant,
    apiKey,
    evidence,
  }) => {
    const origin = { origin: EVIL };
    const responses = [
      ['GET /health', await target.send('/health', { headers: origin })],
      [
        'POST /v1/auth/login',
        await target.send('/v1/auth/login', {
          method: 'POST',
          headers: origin,
          body: { email: tenant.email, password: tenant.password },
        }),
      ],
      [
        'GET /v1/auth/keys',
        await target.send('/v1/auth/keys', { headers: { ...origin, ...bearer(tenant.token) } }),
      ],
      ['GET /v1/usage', await target.send('/v1/usage', { headers: { ...origin, ...bearer(tenant.token) } })],
      [
        'POST /v1/chat/completions',
        await sendChat(target, 'openai', {
          apiKey: apiKey.raw_key,
          providerKey: makeCanary('openai'),
          headers: origin,
        }),
      ],
      ['GET an unknown path', await target.send('/v1/nothing-here', { headers: origin })],
    ] as const;
    const seen = responses.map(([what, r]) => ({
      what,
      status: r.status,
      allowOrigin: r.headers['access-control-allow-origin'] ?? null,
      allowCredentials: r.headers['access-control-allow-credentials'] ?? null,
      problems: corsProblems(r.headers, EVIL, false),
    }));
    await evidence.record('CORS headers with Origin: https://evil.example', { seen });
    precondition(
      seen.some((s) => s.status === 200),
      'no request with the foreign Origin was served, so nothing could be granted',
    );
    expect(seen.flatMap((s) => s.problems.map((p) => `${s.what}: ${p}`))).toEqual([]);
  });

  test('preflights grant a foreign origin nothing', async ({ target, evidence }) => {
    const seen = [];
    for (const [path, method, headers] of PREFLIGHT_ROUTES) {
      const r = await target.send(path, {
        method: 'OPTIONS',
        headers: {
          origin: EVIL,
          'access-control-request-method': method,
          'access-control-request-headers': headers,
        },
      });
      seen.push({
        preflight: `${method} ${path}`,
        status: r.status,
        allowOrigin: r.headers['access-control-allow-origin'] ?? null,
        allowMethods: r.headers['access-control-allow-methods'] ?? null,
        allowHeaders: r.headers['access-control-allow-headers'] ?? null,
        problems: corsProblems(r.headers, EVIL, true),
      });
    }
    await evidence.record('preflights from https://evil.example', { seen });
    expect(seen.flatMap((s) => s.problems.map((p) => `${s.preflight}: ${p}`))).toEqual([]);
  });
});
