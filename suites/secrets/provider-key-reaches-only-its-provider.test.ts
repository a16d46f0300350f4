// SECRETS-01: the provider key is forwarded to the configured provider origin only, unchanged — also when `model` tries to send it elsewhere.

import { createServer, type Server } from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import type { RecordedRequest } from '../../fixtures/mock-upstreams.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { EnvironmentInfo, Provider } from '../../harness/environment-info.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition, requireStatus, upstreamUrlOf } from '../../harness/verdict.ts';

/** Where each provider's key must travel (contract §2: the provider's own path and auth header). */
const EXPECTED: Record<
  Provider,
  { path: (model: string, stream: boolean) => string; header: string; value: (key: string) => string }
> = {
  openai: { path: () => '/v1/chat/completions', header: 'authorization', value: (key) => `Bearer ${key}` },
  anthropic: { path: () => '/v1/messages', header: 'x-api-key', value: (key) => key },
  google: {
    path: (model, stream) =>
      `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
    header: 'x-goog-api-key',
    value: (key) => key,
  },
};

/** A TCP listener no request should ever reach: any connection means the proxy tried another host. */
let trap: Server;
let trapConnections = 0;
beforeAll(async () => {
  trap = createServer((socket) => {
    trapConnections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => trap.close(() => resolve())));
const trapHost = () => `127.0.0.1:${(trap.address() as { port: number }).port}`;
const hostOf = (env: EnvironmentInfo, provider: Provider) => new URL(upstreamUrlOf(env, provider)).host;

/** Every recorded request that carries the key anywhere: a header, the path, the body. */
function carrying(requests: readonly RecordedRequest[], key: string): RecordedRequest[] {
  return requests.filter((r) => JSON.stringify([r.rawHeaders, r.path, r.body]).includes(key));
}

/** How a request carrying the key looked, for evidence, with the key replaced by its fingerprint. */
function described(requests: readonly RecordedRequest[], key: string) {
  return requests.map((r) => ({
    provider: r.provider,
    path: r.path.replaceAll(key, fingerprint(key)),
    headersCarryingKey: r.rawHeaders.filter(([, v]) => v.includes(key)).map(([name]) => name.toLowerCase()),
  }));
}

/** The verdict on one request: the key went to `provider` only, once, on its path, in its header, unchanged. */
function misroutes(
  requests: readonly RecordedRequest[],
  key: string,
  provider: Provider,
  path: string,
  trapBefore: number,
) {
  const seen = carrying(requests, key);
  const problems: string[] = [];
  if (trapConnections !== trapBefore)
    problems.push(`the trap host got ${trapConnections - trapBefore} connection(s)`);
  if (seen.length !== 1) problems.push(`${seen.length} upstream requests carry the key`);
  for (const r of seen) {
    if (r.provider !== provider) problems.push(`the ${r.provider} upstream got it`);
    if (r.path !== path) problems.push(`it went to path ${r.path.replaceAll(key, fingerprint(key))}`);
    if (r.headers[EXPECTED[provider].header] !== EXPECTED[provider].value(key))
      problems.push(`${EXPECTED[provider].header} is not the key unchanged`);
    if (r.body.includes(key) || r.path.includes(key)) problems.push('the key is in the path or the body');
  }
  return problems;
}

/** The verdict on a request the target refused: the key reached no upstream and no foreign host. */
function refusedButSent(requests: readonly RecordedRequest[], key: string, trapBefore: number): string[] {
  const problems: string[] = [];
  if (trapConnections !== trapBefore)
    problems.push(`the trap host got ${trapConnections - trapBefore} connection(s)`);
  const seen = carrying(requests, key);
  if (seen.length > 0) problems.push(`refused, yet ${seen.length} upstream requests carry the key`);
  return problems;
}

describe(claimTitle('SECRETS-01'), () => {
  test('sees a key the harness itself sends to another provider or host (positive control)', async ({
    env,
    mock,
    evidence,
  }) => {
    const key = makeCanary('openai');
    const trapBefore = trapConnections;
    const cursor = await mock.cursor();
    const agent = new Agent({ connect: { ca: env.caPem } });
    // the mistakes the check must catch: the key at the wrong provider, and a connection to a foreign host
    await request(`${upstreamUrlOf(env, 'anthropic')}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    }).then((r) => r.body.dump());
    await request(`https://${trapHost()}/`, { dispatcher: agent }).catch(() => undefined);
    await agent.close();
    const problems = misroutes(
      await mock.requests({ since: cursor }),
      key,
      'openai',
      '/v1/chat/completions',
      trapBefore,
    );
    await evidence.positiveControl('a misrouted key and a foreign connection are both reported', {
      key: fingerprint(key),
      problems,
    });
    precondition(
      problems.includes('the trap host got 1 connection(s)') &&
        problems.includes('the anthropic upstream got it'),
      `the check did not see the key the harness misrouted itself: ${problems.join('; ') || 'no problem reported'}`,
    );
  });

  test.for([
    ['openai', false],
    ['openai', true],
    ['anthropic', false],
    ['anthropic', true],
    ['google', false],
    ['google', true],
  ] as const)(
    'forwards the key to %s (stream: %s) only, once, in its own header, unchanged',
    async ([provider, stream], { target, mock, apiKey, evidence }) => {
      const key = makeCanary(provider);
      const trapBefore = trapConnections;
      const cursor = await mock.cursor();
      const model = provider === 'google' ? 'gemini-1.5-flash' : 'mock-model';
      const response = await sendChat(target, provider, {
        apiKey: apiKey.raw_key,
        providerKey: key,
        model,
        stream,
      });
      requireStatus(response, 200, `a ${provider} chat request (stream: ${stream})`, response.body);
      const requests = await mock.requests({ since: cursor });
      const problems = misroutes(requests, key, provider, EXPECTED[provider].path(model, stream), trapBefore);
      await evidence.record(`${provider} request`, {
        key: fingerprint(key),
        stream,
        seen: described(carrying(requests, key), key),
        problems,
      });
      expect(problems).toEqual([]);
    },
  );

  // `model` is only a body field for OpenAI and Anthropic: whatever it says, the key goes to the configured origin.
  test.for([
    {
      name: 'another provider’s host (@host:port)',
      provider: 'openai',
      model: (env: EnvironmentInfo) => `gpt-4o-mini@${hostOf(env, 'anthropic')}`,
    },
    { name: 'a foreign host (@host:port)', provider: 'openai', model: () => `gpt-4o-mini@${trapHost()}` },
    {
      name: 'another provider’s host (@host:port)',
      provider: 'anthropic',
      model: (env: EnvironmentInfo) => `claude-3-5-haiku@${hostOf(env, 'google')}`,
    },
    { name: 'a foreign host (@host:port)', provider: 'anthropic', model: () => `claude@${trapHost()}` },
    { name: 'path traversal (../)', provider: 'openai', model: () => '../../v1/messages' },
    { name: 'a URL', provider: 'anthropic', model: () => `https://${trapHost()}/v1/messages` },
  ] as const)(
    'keeps the $provider key on its origin when model names $name',
    async (row, { env, target, mock, apiKey, evidence }) => {
      const key = makeCanary(row.provider);
      const trapBefore = trapConnections;
      const cursor = await mock.cursor();
      const response = await sendChat(target, row.provider, {
        apiKey: apiKey.raw_key,
        providerKey: key,
        model: row.model(env),
      });
      const requests = await mock.requests({ since: cursor });
      // a stricter target may refuse the request (4xx) instead of forwarding it: then the key must go nowhere
      const refused = response.status >= 400 && response.status < 500;
      const problems = refused
        ? refusedButSent(requests, key, trapBefore)
        : misroutes(requests, key, row.provider, EXPECTED[row.provider].path('', false), trapBefore);
      await evidence.record(`${row.provider} with a hostile model`, {
        attack: row.name,
        status: response.status,
        refused,
        key: fingerprint(key),
        seen: described(carrying(requests, key), key),
        problems,
      });
      expect(problems).toEqual([]);
    },
  );

  // Gemini puts `model` in the URL path: the contract says a model that is not a plain id is refused, and nothing is sent.
  test.for([
    { name: 'path traversal (../)', model: () => '../../v1/chat/completions' },
    { name: 'another host (@host:port)', model: () => `gemini-1.5-flash@${trapHost()}` },
    { name: 'an encoded slash (%2F)', model: () => '..%2F..%2Fv1%2Fchat%2Fcompletions' },
    { name: 'a query string (?)', model: () => 'gemini-1.5-flash:generateContent?key=x' },
    { name: 'a fragment (#)', model: () => 'gemini-1.5-flash#x' },
  ] as const)(
    'refuses a Gemini model with $name and sends the key nowhere',
    async (row, { target, mock, apiKey, evidence }) => {
      const key = makeCanary('google');
      const trapBefore = trapConnections;
      const cursor = await mock.cursor();
      const response = await sendChat(target, 'google', {
        apiKey: apiKey.raw_key,
        providerKey: key,
        model: row.model(),
      });
      const requests = await mock.requests({ since: cursor });
      const seen = carrying(requests, key);
      await evidence.record('Gemini request with a hostile model', {
        attack: row.name,
        status: response.status,
        key: fingerprint(key),
        seen: described(seen, key),
        trapConnections: trapConnections - trapBefore,
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(described(seen, key)).toEqual([]);
      expect(trapConnections - trapBefore).toBe(0);
    },
  );

  // A colon is not in the contract's list (`/ ? # @ .. %`): refusing it is allowed, and so is sending it
  // on to the configured Google origin; either way the key goes nowhere else.
  test('keeps the Google key on its origin when the Gemini model holds a colon and a method', async ({
    target,
    mock,
    apiKey,
    evidence,
  }) => {
    const key = makeCanary('google');
    const trapBefore = trapConnections;
    const cursor = await mock.cursor();
    const response = await sendChat(target, 'google', {
      apiKey: apiKey.raw_key,
      providerKey: key,
      model: 'gemini-1.5-flash:streamGenerateContent',
    });
    const seen = carrying(await mock.requests({ since: cursor }), key);
    const refused = response.status >= 400 && response.status < 500;
    const problems = refused
      ? refusedButSent(seen, key, trapBefore)
      : [
          ...(trapConnections !== trapBefore
            ? [`the trap host got ${trapConnections - trapBefore} connection(s)`]
            : []),
          ...seen.filter((r) => r.provider !== 'google').map((r) => `the ${r.provider} upstream got it`),
          ...seen
            .filter((r) => r.headers[EXPECTED.google.header] !== key)
            .map(() => `${EXPECTED.google.header} is not the key unchanged`),
        ];
    await evidence.record('Gemini request with a colon in the model', {
      status: response.status,
      refused,
      key: fingerprint(key),
      seen: described(seen, key),
      problems,
    });
    expect(problems).toEqual([]);
  });
});
