// SECRETS-12: the provider's response headers (cookies, CORS, redirects, banners) never reach the client, and every API response says nosniff.
import { Agent, request } from 'undici';
import { onTestFinished } from 'vitest';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { HOSTILE_HEADER_MARKER, HOSTILE_RESPONSE_HEADERS } from '../../fixtures/mock-responses.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { sendRawHttps } from '../../fixtures/raw-https.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetResponse } from '../../harness/contract/client.ts';
import type { EnvironmentInfo, Provider } from '../../harness/environment-info.ts';
import { makeCanary } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/**
 * The upstream's hostile headers that reached the client. A header is the target's own (not a finding)
 * when its ordinary answer to the same call carries the same value.
 */
function reflected(headers: Record<string, string>, ordinary: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(HOSTILE_RESPONSE_HEADERS)) {
    const got = headers[name];
    if (got === undefined || got === ordinary[name]) continue;
    if (got.includes(value) || got.includes(HOSTILE_HEADER_MARKER)) found.push(name);
  }
  for (const [name, value] of Object.entries(headers))
    if (value.includes(HOSTILE_HEADER_MARKER) && !found.includes(name)) found.push(name);
  return found;
}

const hasNosniff = (headers: Record<string, string>) =>
  (headers['x-content-type-options'] ?? '').trim().toLowerCase() === 'nosniff';

/** A request with a header line that has no colon: answered (400) before any route sees it. */
async function parserRejected(env: EnvironmentInfo): Promise<TargetResponse> {
  const replica = env.replicas[0];
  precondition(replica !== undefined, 'the environment has no replica');
  const raw = await sendRawHttps(
    replica.httpsUrl,
    env.caPem,
    'GET /health HTTP/1.1\r\nthis line is not a header',
  );
  return { ...raw, request: { method: 'GET', url: `${replica.httpsUrl}/health` } };
}

const CASES: readonly (readonly [Provider, boolean])[] = [
  ['openai', false],
  ['openai', true],
  ['anthropic', false],
  ['anthropic', true],
  ['google', false],
];

describe(claimTitle('SECRETS-12'), () => {
  test('sees the hostile headers when the harness asks the mock upstream itself (positive control)', async ({
    env,
    evidence,
  }) => {
    const agent = new Agent({ connect: { ca: env.caPem } });
    const response = await request(`${env.upstreams.openai.url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${makeCanary('openai')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-hostile-headers', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.body.dump();
    await agent.close();
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    const found = reflected(flat, {});
    await evidence.positiveControl('the mock’s own answer shows every hostile header, and no nosniff', {
      found,
      nosniff: hasNosniff(flat),
    });
    precondition(
      found.length === Object.keys(HOSTILE_RESPONSE_HEADERS).length && !hasNosniff(flat),
      `the check saw only ${found.join(', ') || 'nothing'} of the mock's hostile headers`,
    );
  });

  test.for(CASES)(
    'passes none of the %s upstream’s hostile headers on (stream: %s)',
    async ([provider, stream], { target, apiKey, evidence }) => {
      const call = (model: string | undefined) =>
        sendChat(target, provider, {
          apiKey: apiKey.raw_key,
          providerKey: makeCanary(provider),
          stream,
          ...(model === undefined ? {} : { model }),
        });
      const ordinary = await call(undefined);
      requireStatus(ordinary, 200, `an ordinary ${provider} call (stream: ${stream})`, ordinary.body);
      const hostile = await call('mock-hostile-headers');
      requireStatus(hostile, 200, `a ${provider} call whose upstream sends hostile headers`, hostile.body);
      const found = reflected(hostile.headers, ordinary.headers);
      await evidence.record(`${provider} (stream: ${stream}) response headers`, {
        headerNames: Object.keys(hostile.headers),
        reflected: found,
        nosniff: hasNosniff(hostile.headers),
      });
      expect(found, 'upstream headers the client received').toEqual([]);
      expect(hasNosniff(hostile.headers), 'X-Content-Type-Options: nosniff on the proxied answer').toBe(true);
    },
  );

  test('every API response carries X-Content-Type-Options: nosniff', async ({
    env,
    target,
    tenant,
    apiKey,
    evidence,
  }) => {
    // failed authentications come from an address of their own, so they throttle no other check
    const stranger = clientFromAddress(env, freshLoopbackAddress());
    onTestFinished(() => stranger.close());
    const responses: [string, TargetResponse][] = [
      ['GET /health', await target.send('/health')],
      ['GET /version', await target.send('/version')],
      ['GET an unknown path (404)', await target.send('/v1/no-such-endpoint')],
      [
        'POST /v1/auth/login with a wrong password (401)',
        await stranger.send('/v1/auth/login', {
          method: 'POST',
          body: { email: tenant.email, password: `${tenant.password}-wrong` },
        }),
      ],
      ['GET /v1/auth/keys (session)', await target.send('/v1/auth/keys', { headers: bearer(tenant.token) })],
      ['GET /v1/usage (session)', await target.send('/v1/usage', { headers: bearer(tenant.token) })],
      [
        'POST /v1/chat/completions without a key (401)',
        await stranger.send('/v1/chat/completions', { method: 'POST', body: {} }),
      ],
      [
        'POST /v1/chat/completions with malformed JSON (400)',
        await target.send('/v1/chat/completions', {
          method: 'POST',
          headers: { ...bearer(apiKey.raw_key), 'x-provider-key': makeCanary('openai') },
          body: '{"model":',
        }),
      ],
      [
        'POST /v1/chat/completions (200)',
        await sendChat(target, 'openai', { apiKey: apiKey.raw_key, providerKey: makeCanary('openai') }),
      ],
      [
        'POST /v1/chat/completions, provider answers malformed JSON (502)',
        await sendChat(target, 'openai', {
          apiKey: apiKey.raw_key,
          providerKey: makeCanary('openai'),
          model: 'mock-malformed-json',
        }),
      ],
      ['a request the HTTP parser rejects (400)', await parserRejected(env)],
      [
        'POST /v1/messages streamed (200)',
        await sendChat(target, 'anthropic', {
          apiKey: apiKey.raw_key,
          providerKey: makeCanary('anthropic'),
          stream: true,
        }),
      ],
    ];
    const seen = responses.map(([what, r]) => ({
      what,
      status: r.status,
      nosniff: hasNosniff(r.headers),
      // the harness reads this response's headers: HSTS is on every HTTPS response (TRANSPORT-04)
      headersRead: Object.keys(r.headers).length,
    }));
    await evidence.positiveControl('the response headers were read (count per response)', {
      headersRead: seen.map((s) => s.headersRead),
    });
    precondition(
      seen.every((s) => s.headersRead > 0),
      'a response came back without any header the harness could read',
    );
    await evidence.record('nosniff per response', { seen });
    expect(
      seen.filter((s) => !s.nosniff).map((s) => `${s.what}: ${s.status}`),
      'API responses without X-Content-Type-Options: nosniff',
    ).toEqual([]);
  });
});
