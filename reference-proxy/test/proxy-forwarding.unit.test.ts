// Forwarding to the providers: where the provider key goes, what is injected, usage rows, errors, limits, logs.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HSTS_VALUE } from '../src/http/hooks.ts';
import { isUpstreamTimeout } from '../src/proxy/forward.ts';
import { createKey, createTenant, type Tenant } from './api-helpers.ts';
import { startMockUpstream } from './mock-upstream.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;
let tenant: Tenant;
let rawKey: string;
const PROVIDER_KEY = `sk-canary-${crypto.randomUUID()}`;
const PROMPT_CANARY = `prompt-canary-${crypto.randomUUID()}`;

beforeAll(async () => {
  env = await startTestEnvironment({ RATE_LIMIT_REQUESTS: '1000' });
  tenant = await createTenant(env.app);
  rawKey = (await createKey(env.app, tenant)).rawKey;
});
afterAll(async () => {
  await env?.stop();
});

const proxy = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(env.app.server)
    .post(path)
    .set({ authorization: `Bearer ${rawKey}`, 'x-provider-key': PROVIDER_KEY, ...headers })
    .send(body as object);

const lastUpstreamRequest = () => env.upstream.requests.at(-1);

async function latestUsage() {
  const response = await request(env.app.server)
    .get('/v1/usage?limit=1')
    .set('authorization', `Bearer ${tenant.token}`)
    .expect(200);
  return response.body.usage[0];
}

describe('forwarding', () => {
  it('sends an OpenAI call with the provider key as Bearer, the prompt prepended, and records usage', async () => {
    const response = await proxy('/v1/chat/completions', {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: PROMPT_CANARY }],
    }).expect(200);
    expect(response.headers['x-mintoken-intensity']).toBe('full');
    const sent = lastUpstreamRequest();
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    expect(JSON.stringify(sent?.headers)).not.toContain(rawKey);
    const body = JSON.parse(sent?.body ?? '{}');
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[1].content).toBe(PROMPT_CANARY);
    const usage = await latestUsage();
    expect(usage).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o',
      input_tokens: 11,
      output_tokens: 7,
      status_code: 200,
    });
    expect(Object.keys(usage).sort()).toEqual(
      [
        'created_at',
        'id',
        'input_tokens',
        'key_id',
        'model',
        'output_tokens',
        'provider',
        'status_code',
      ].sort(),
    );
  });

  it('forces include_usage on an OpenAI stream and counts its tokens', async () => {
    const response = await proxy('/v1/chat/completions', {
      model: 'gpt-4o',
      stream: true,
      messages: [],
    }).expect(200);
    expect(response.headers['content-type']).toContain('text/event-stream');
    expect(response.text).toContain('data: [DONE]');
    expect(JSON.parse(lastUpstreamRequest()?.body ?? '{}').stream_options).toEqual({ include_usage: true });
    await expect.poll(latestUsage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
  });

  it('accepts the key as x-api-key on /v1/messages and sends x-api-key + anthropic-version upstream', async () => {
    await request(env.app.server)
      .post('/v1/messages')
      .set({ 'x-api-key': rawKey, 'x-provider-key': PROVIDER_KEY, 'x-mintoken-intensity': 'lite' })
      .send({ model: 'claude-sonnet-4', system: 'be brief', stream: true, messages: [] })
      .expect(200);
    const sent = lastUpstreamRequest();
    expect(sent?.headers['x-api-key']).toBe(PROVIDER_KEY);
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(JSON.parse(sent?.body ?? '{}').system).toMatch(/be brief$/);
    await expect
      .poll(latestUsage)
      .toMatchObject({ provider: 'anthropic', input_tokens: 13, output_tokens: 9 });
  });

  it('builds the Gemini path from the model and strips model and stream from the body', async () => {
    await proxy('/v1/generateContent', { model: 'gemini-1.5-flash', stream: true, contents: [] }).expect(200);
    const sent = lastUpstreamRequest();
    expect(sent?.path).toBe('/v1beta/models/gemini-1.5-flash:streamGenerateContent?alt=sse');
    expect(sent?.headers['x-goog-api-key']).toBe(PROVIDER_KEY);
    const body = JSON.parse(sent?.body ?? '{}');
    expect(body).not.toHaveProperty('model');
    expect(body).not.toHaveProperty('stream');
    expect(body.systemInstruction.parts[0].text).toEqual(expect.any(String));
  });

  it.for([
    { name: 'path traversal', model: '../../v1/evil' },
    { name: 'an encoded slash', model: 'gemini%2F..%2Fevil' },
    { name: 'a userinfo host', model: 'x@evil.example' },
    { name: 'a query', model: 'gemini?key=1' },
    { name: 'a fragment', model: 'gemini#x' },
    { name: 'dot-dot inside', model: 'gemini..pro' },
    { name: 'a non-string', model: 42 },
  ])('refuses a Gemini model with $name and sends nothing upstream', async ({ model }) => {
    const before = env.upstream.requests.length;
    await proxy('/v1/generateContent', { model, contents: [] }).expect(400);
    expect(env.upstream.requests.length).toBe(before);
  });
});

describe('errors', () => {
  it('passes an upstream 401 through unchanged and keeps the provider key out of the logs', async () => {
    const response = await proxy('/v1/chat/completions', { model: 'mock-echo-401', messages: [] });
    expect(response.status).toBe(401);
    expect(response.text).toContain(PROVIDER_KEY); // the provider's own body, as the provider sent it
    expect(env.logs.join('\n')).not.toContain(PROVIDER_KEY);
  });

  it.for([
    { name: 'a reset connection', model: 'mock-reset', status: 502 },
    { name: 'a timeout', model: 'mock-timeout', status: 504 },
    { name: 'malformed JSON', model: 'mock-malformed-json', status: 502 },
    { name: 'a 500', model: 'mock-500', status: 500 },
  ])('answers $status for $name, with HSTS', async ({ model, status }) => {
    const response = await proxy('/v1/chat/completions', { model, messages: [] });
    expect(response.status).toBe(status);
    expect(response.headers['strict-transport-security']).toBe(HSTS_VALUE);
  });

  it.for([
    { name: 'our deadline passed', error: new Error('aborted'), deadlinePassed: true, timeout: true },
    {
      name: "undici's headers timer fired first",
      error: { code: 'UND_ERR_HEADERS_TIMEOUT' },
      deadlinePassed: false,
      timeout: true,
    },
    {
      name: "undici's body timer fired first",
      error: { code: 'UND_ERR_BODY_TIMEOUT' },
      deadlinePassed: false,
      timeout: true,
    },
    { name: 'a reset connection', error: { code: 'ECONNRESET' }, deadlinePassed: false, timeout: false },
    { name: 'an error without a code', error: null, deadlinePassed: false, timeout: false },
  ])(
    'reads a failed upstream call as a timeout (504) only when one ran out: $name',
    ({ error, deadlinePassed, timeout }) => {
      // undici's timers run on the same deadline as the proxy's own; whichever fires first, the answer is 504
      expect(isUpstreamTimeout(error, deadlinePassed)).toBe(timeout);
    },
  );

  it('answers 400 without X-Provider-Key and 413 over the plan size, both with rate-limit headers', async () => {
    const missing = await request(env.app.server)
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${rawKey}`)
      .send({ model: 'gpt-4o' });
    expect(missing.status).toBe(400);
    const big = await proxy('/v1/chat/completions', { model: 'gpt-4o', pad: 'x'.repeat(150_000) });
    expect(big.status).toBe(413);
    const malformed = await proxy('/v1/chat/completions', '{"model":').type('application/json');
    expect(malformed.status).toBe(400);
    for (const response of [missing, big, malformed]) {
      expect(response.headers['ratelimit-policy']).toBe('"key";q=1000;w=60');
      expect(response.headers.ratelimit).toMatch(/^"key";r=\d+;t=\d+$/);
      expect(response.headers['strict-transport-security']).toBe(HSTS_VALUE);
      expect(response.body.error.type).toEqual(expect.any(String));
    }
  });

  it('refuses an upstream whose certificate it cannot verify: 502, and the key never leaves', async () => {
    const rogue = await startMockUpstream(env.tls.untrustedCert, env.tls.untrustedKey);
    try {
      const app = await env.buildVariant((components) => components, { UPSTREAM_OPENAI_URL: rogue.url });
      const key = (await createKey(app, await createTenant(app))).rawKey;
      const response = await request(app.server)
        .post('/v1/chat/completions')
        .set({ authorization: `Bearer ${key}`, 'x-provider-key': PROVIDER_KEY })
        .send({ model: 'gpt-4o', messages: [] });
      expect(response.status).toBe(502);
      expect(rogue.requests).toHaveLength(0);
    } finally {
      await rogue.close();
    }
  });

  it('never logs the provider key, the raw key, the prompt or a backend secret', () => {
    const logs = env.logs.join('\n');
    for (const secret of [
      PROVIDER_KEY,
      rawKey,
      PROMPT_CANARY,
      env.config.JWT_SECRET,
      env.config.API_KEY_PEPPER,
    ]) {
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain('mock completion');
  });
});

describe('rate limits', () => {
  it('counts down, refuses request q+1 with Retry-After, and sends nothing upstream', async () => {
    const app = await env.buildVariant((components) => components, {
      RATE_LIMIT_REQUESTS: '3',
      RATE_LIMIT_WINDOW_SECONDS: '3600',
    });
    const key = (await createKey(app, await createTenant(app))).rawKey;
    const call = () =>
      request(app.server)
        .post('/v1/chat/completions')
        .set({ authorization: `Bearer ${key}`, 'x-provider-key': PROVIDER_KEY })
        .send({ model: 'gpt-4o', messages: [] });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await call();
      expect(response.status).toBe(200);
      remaining.push(/r=(\d+)/.exec(response.headers.ratelimit ?? '')?.[1] ?? '');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const before = env.upstream.requests.length;
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toBe('rate_limit_exceeded');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3_600);
    expect(refused.headers['strict-transport-security']).toBe(HSTS_VALUE);
    expect(env.upstream.requests.length).toBe(before);
  });

  it('admits exactly q of a concurrent burst', async () => {
    const app = await env.buildVariant((components) => components, {
      RATE_LIMIT_REQUESTS: '5',
      RATE_LIMIT_WINDOW_SECONDS: '3600',
    });
    const key = (await createKey(app, await createTenant(app))).rawKey;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(app.server).post('/v1/chat/completions').set('authorization', `Bearer ${key}`).send({}),
      ).map(async (pending) => (await pending).status),
    );
    // 400: admitted (no X-Provider-Key), 429: refused
    expect(statuses.filter((status) => status === 400)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it('throttles a client address after too many failed authentications, even with a valid key', async () => {
    const app = await env.buildVariant((components) => components, { AUTH_FAILURE_LIMIT: '3' });
    const remoteAddress = '127.0.0.77';
    for (let i = 0; i < 3; i += 1) {
      const failed = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        remoteAddress,
        payload: {},
      });
      expect(failed.statusCode).toBe(401);
    }
    const blocked = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      remoteAddress,
      headers: { authorization: `Bearer ${rawKey}`, 'x-provider-key': PROVIDER_KEY },
      payload: { model: 'gpt-4o', messages: [] },
    });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await app.inject({ method: 'GET', url: '/health', remoteAddress });
    expect(elsewhere.statusCode).toBe(200);
  });
});
