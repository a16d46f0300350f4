// SECRETS-10: what the client sends in its own headers (its mt_live_ key, cookies, forwarding headers, anything else) never reaches the provider.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import type { RecordedRequest } from '../../fixtures/mock-upstreams.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { Provider } from '../../harness/environment-info.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition, requireStatus, upstreamUrlOf } from '../../harness/verdict.ts';

/** The client headers that must stay at the proxy, each with a value no one else sends. */
function hostileHeaders(): Record<string, string> {
  const token = () => `c10-${randomBytes(8).toString('hex')}`;
  return {
    cookie: `mintoken_session=${token()}`,
    'x-forwarded-for': `198.51.100.7, ${token()}`,
    'x-forwarded-host': `${token()}.evil.example`,
    'x-forwarded-proto': token(),
    forwarded: `for=198.51.100.7;host=${token()}.evil.example`,
    via: `1.1 ${token()}`,
    'x-canary-header': token(),
  };
}

/** Every client value (header name and the value's own token) found anywhere in what the provider received. */
function leaksIn(r: RecordedRequest, secrets: Record<string, string>): string[] {
  const text = JSON.stringify([r.rawHeaders, r.path, r.body]);
  const found: string[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const token = value.match(/c10-[0-9a-f]{16}|mt_live_\w+/)?.[0] ?? value;
    if (text.includes(token)) found.push(name);
  }
  if (r.headers['x-canary-header'] !== undefined && !found.includes('x-canary-header'))
    found.push('x-canary-header');
  return found;
}

const PROVIDER_CASES: readonly Provider[] = ['openai', 'anthropic', 'google'];

describe(claimTitle('SECRETS-10'), () => {
  test('sees client headers the harness itself sends to a mock provider (positive control)', async ({
    env,
    mock,
    evidence,
  }) => {
    const headers = hostileHeaders();
    const mtKey = makeCanary('mt_live');
    const cursor = await mock.cursor();
    const agent = new Agent({ connect: { ca: env.caPem } });
    await request(`${upstreamUrlOf(env, 'openai')}/v1/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { ...headers, authorization: `Bearer ${mtKey}`, 'content-type': 'application/json' },
      body: '{}',
    }).then((r) => r.body.dump());
    await agent.close();
    const seen = await mock.requests({ since: cursor });
    const found = seen.flatMap((r) => leaksIn(r, { ...headers, authorization: mtKey }));
    await evidence.positiveControl('client headers sent straight to the mock are all found', { found });
    precondition(
      found.length === Object.keys(headers).length + 1,
      `the check found only ${found.join(', ') || 'nothing'} of the headers the harness sent itself`,
    );
  });

  test.for(PROVIDER_CASES)(
    'the %s provider receives none of the client’s own headers',
    async (provider, { target, mock, apiKey, evidence }) => {
      const providerKey = makeCanary(provider);
      const headers = hostileHeaders();
      const cursor = await mock.cursor();
      const response = await sendChat(target, provider, {
        apiKey: apiKey.raw_key,
        providerKey,
        headers,
      });
      // a stricter target may refuse (400) a request carrying forwarding headers: then nothing may reach a provider
      const refused = response.status === 400;
      if (!refused)
        requireStatus(response, 200, `a ${provider} chat request with extra client headers`, response.body);
      const requests = await mock.requests({ since: cursor });
      const ours = refused
        ? requests
        : requests.filter((r) => JSON.stringify(r.rawHeaders).includes(providerKey));
      precondition(
        refused || ours.length === 1,
        `expected the one upstream request carrying this test's provider key, found ${ours.length}`,
      );
      // the client's Authorization carries its mt_live_ key: it is a client secret like the rest
      const leaks = ours.flatMap((r) => leaksIn(r, { ...headers, authorization: apiKey.raw_key }));
      await evidence.record(`${provider}: what reached the provider`, {
        status: response.status,
        refused,
        providerKey: fingerprint(providerKey),
        headerNamesReceived: ours.flatMap((r) => r.rawHeaders.map(([name]) => name.toLowerCase())),
        clientHeadersSent: [...Object.keys(headers), 'authorization (mt_live_ key)'],
        leaked: leaks,
      });
      expect(leaks, 'client headers (or the mt_live_ key) the provider received').toEqual([]);
    },
  );
});
