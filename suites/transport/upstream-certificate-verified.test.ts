// TRANSPORT-06: the proxy verifies its upstream's certificate — pointed at a provider with an untrusted certificate, the request fails (502) and the key never reaches it.

import { Agent, request } from 'undici';
import { afterAll } from 'vitest';
import { pollUntil } from '../../fixtures/poll.ts';
import { chatBody, sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { type StartedUntrustedUpstream, startUntrustedUpstream } from '../../fixtures/untrusted-upstream.ts';
import { claimTitle } from '../../harness/claims.ts';
import { TargetClient } from '../../harness/contract/client.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { HarnessError } from '../../harness/errors.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import {
  type SpareReplica,
  spareReplicaUnavailable,
  startSpareReplica,
} from '../../harness/probes/spare-replica.ts';
import { precondition } from '../../harness/verdict.ts';

interface Setup {
  upstream: StartedUntrustedUpstream;
  replica: SpareReplica;
  client: TargetClient;
}

let started: Promise<Setup> | undefined;
/**
 * The target's upstream URLs are fixed at start, so a third process of the target (same command,
 * database and secrets) gets UPSTREAM_OPENAI_URL pointing at the untrusted provider; Anthropic and
 * Google stay on the trusted mocks, so the same process shows it forwards where it may.
 */
function untrustedSetup(env: EnvironmentInfo): Promise<Setup> {
  started ??= (async () => {
    const upstream = await startUntrustedUpstream();
    const replica = await startSpareReplica(env, {
      name: 'untrusted-upstream',
      overrides: { UPSTREAM_OPENAI_URL: upstream.url },
    });
    return { upstream, replica, client: new TargetClient(replica.httpsUrl, env.caPem) };
  })();
  return started;
}
afterAll(async () => {
  const setup = await started?.catch(() => undefined);
  await setup?.client.close();
  await setup?.replica.stop();
  await setup?.upstream.stop();
});

describe(claimTitle('TRANSPORT-06'), () => {
  test('records a request from a client that trusts its CA, and the same process forwards to a trusted provider (positive controls)', async ({
    env,
    mock,
    apiKey,
    evidence,
  }) => {
    const unavailable = spareReplicaUnavailable(env);
    if (unavailable !== null)
      return evidence.notAssessed(`cannot point the target at an untrusted provider: ${unavailable}`);
    const { upstream, client } = await untrustedSetup(env);
    const canary = makeCanary('openai');
    const agent = new Agent({ connect: { ca: upstream.caPem } });
    try {
      const direct = await request(`${upstream.url}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${canary}`, 'content-type': 'application/json' },
        body: JSON.stringify(chatBody('openai', 'gpt-4o-mini', 'hello', false)),
      });
      await direct.body.dump();
    } finally {
      await agent.close();
    }
    const recorded = upstream.requests().some((r) => r.headerText.includes(canary));
    const cursor = await mock.cursor();
    const trustedKey = makeCanary('anthropic');
    const forwarded = await sendChat(client, 'anthropic', {
      apiKey: apiKey.raw_key,
      providerKey: trustedKey,
    });
    const reachedTrusted = (await mock.requests({ since: cursor, provider: 'anthropic' })).some((r) =>
      JSON.stringify(r.headers).includes(trustedKey),
    );
    await evidence.positiveControl(
      'the untrusted provider records what reaches it; the extra process forwards to a trusted one',
      {
        recordedDirectRequest: recorded,
        anthropicViaExtraProcess: {
          status: forwarded.status,
          reachedTrustedMock: reachedTrusted,
          key: fingerprint(trustedKey),
        },
      },
    );
    if (!recorded || forwarded.status !== 200 || !reachedTrusted) {
      throw new HarnessError(
        'HARNESS_ERR_PROBE_BLIND',
        `positive controls failed: direct request recorded=${recorded}, trusted forward ${forwarded.status}/${reachedTrusted}`,
      );
    }
  });

  test('answers 502 and sends nothing to a provider whose certificate it cannot verify', async ({
    env,
    apiKey,
    evidence,
  }) => {
    const unavailable = spareReplicaUnavailable(env);
    if (unavailable !== null)
      return evidence.notAssessed(`cannot point the target at an untrusted provider: ${unavailable}`);
    const { upstream, client } = await untrustedSetup(env);
    const refusedBefore = upstream.refusedHandshakes().length;
    const canary = makeCanary('openai');
    const response = await sendChat(client, 'openai', { apiKey: apiKey.raw_key, providerKey: canary });
    // the server hears of the abandoned handshake a moment after the target has answered
    const refused = await pollUntil(
      async () => upstream.refusedHandshakes().slice(refusedBefore),
      (seen) => seen.length > 0,
    );
    const reached = upstream.requests().filter((r) => r.headerText.includes(canary));
    await evidence.record(
      'an OpenAI request through a process whose OpenAI upstream presents an untrusted certificate',
      {
        status: response.status,
        providerKey: fingerprint(canary),
        requestsThatReachedTheHandler: reached.length,
        handshakesTheTargetAbandoned: refused,
      },
    );
    expect(reached).toEqual([]);
    // the target did try, and walked away during the handshake: a verification, not an unreachable
    // host; a target that never connected says nothing about verification either way
    precondition(
      refused.length > 0,
      `the untrusted provider saw no handshake from the target (it answered ${response.status}): the probe cannot tell a verification from a request never made`,
    );
    expect(response.status).toBe(502);
  });
});
