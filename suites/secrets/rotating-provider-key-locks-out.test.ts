// SECRETS-06: rotating the provider key locks the proxy out — no request is served with a key it saw earlier, and a revoked key gets the provider's 401.

import { makePrompt } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { TargetClient } from '../../harness/contract/client.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/**
 * What each mock provider says about a revoked key (harness/mocks/provider-formats.ts): the contract
 * passes upstream errors through with their body, so the target's answer holds it, whatever its own 401 says.
 */
const PROVIDER_REVOKED_MESSAGE = {
  openai: 'The API key provided has been revoked.',
  anthropic: 'invalid x-api-key',
  google: 'API key expired. Please renew the API key.',
} as const;

const carrying = (requests: ReadonlyArray<{ headers: Record<string, string> }>, key: string) =>
  requests.filter((r) => JSON.stringify(r.headers).includes(key)).length;

describe(claimTitle('SECRETS-06'), () => {
  test.for([
    ['openai', 0],
    ['anthropic', 0],
    ['google', 0],
    ['openai', 1],
  ] as const)(
    'refuses a request to %s without X-Provider-Key after one with a key (replica %i)',
    async ([provider, replica], { env, target, mock, apiKey, evidence }) => {
      const info = env.replicas[replica];
      if (info === undefined) return evidence.notAssessed(`the environment has no replica ${replica}`);
      const client = replica === 0 ? target : new TargetClient(info.httpsUrl, env.caPem);
      try {
        const key = makeCanary(provider);
        const cursor = await mock.cursor();
        const first = await sendChat(client, provider, { apiKey: apiKey.raw_key, providerKey: key });
        const afterFirst = await mock.cursor();
        // positive control: the key really reached the provider, so the proxy had it in hand to keep
        const delivered = carrying(await mock.requests({ since: cursor }), key);
        await evidence.positiveControl('the earlier request delivered its key', {
          key: fingerprint(key),
          status: first.status,
          delivered,
        });
        precondition(
          first.status === 200 && delivered === 1,
          `the earlier request (status ${first.status}) delivered its key ${delivered} times, expected once`,
        );
        // a prompt of its own tells this request apart from every other suite's traffic at the mock
        const prompt = makePrompt();
        const second = await sendChat(client, provider, { apiKey: apiKey.raw_key, prompt });
        const reached = (await mock.requests({ since: afterFirst })).filter((r) => r.body.includes(prompt));
        await evidence.record('the same mt_live_ key, without X-Provider-Key', {
          status: second.status,
          body: second.body.slice(0, 200).replaceAll(key, fingerprint(key)),
          upstreamRequests: reached.length,
          carryingEarlierKey: carrying(reached, key),
        });
        expect(second.status).toBe(400);
        expect(reached.length).toBe(0);
      } finally {
        if (client !== target) await client.close();
      }
    },
  );

  test.for(['openai', 'anthropic', 'google'] as const)(
    'passes the %s 401 through once the provider revokes the key, and serves the rotated key',
    async (provider, { target, mock, apiKey, evidence }) => {
      const oldKey = makeCanary(provider);
      const newKey = makeCanary(provider);
      const before = await sendChat(target, provider, { apiKey: apiKey.raw_key, providerKey: oldKey });
      requireStatus(before, 200, `a ${provider} request with the key before it is revoked`, before.body);
      await mock.revoke(oldKey);
      const cursor = await mock.cursor();
      const revoked = await sendChat(target, provider, { apiKey: apiKey.raw_key, providerKey: oldKey });
      const rotated = await sendChat(target, provider, { apiKey: apiKey.raw_key, providerKey: newKey });
      const seen = await mock.requests({ since: cursor });
      await evidence.record('revoked, then rotated', {
        oldKey: fingerprint(oldKey),
        newKey: fingerprint(newKey),
        revokedStatus: revoked.status,
        revokedCarriesTheProvidersBody: revoked.body.includes(PROVIDER_REVOKED_MESSAGE[provider]),
        rotatedStatus: rotated.status,
        upstreamWithOld: carrying(seen, oldKey),
        upstreamWithNew: carrying(seen, newKey),
      });
      // the provider's own 401, passed through: the proxy has no other key to fall back on
      expect(revoked.status).toBe(401);
      expect(revoked.body).toContain(PROVIDER_REVOKED_MESSAGE[provider]);
      expect(rotated.status).toBe(200);
      expect(carrying(seen, oldKey)).toBe(1);
      expect(carrying(seen, newKey)).toBe(1);
    },
  );
});
