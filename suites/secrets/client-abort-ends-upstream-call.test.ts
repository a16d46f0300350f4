// SECRETS-13: a client that hangs up mid-stream ends the upstream call within 1 s, and the usage row keeps what was streamed.
import { Agent, request } from 'undici';
import { makePrompt } from '../../fixtures/factories.ts';
import { mockCompletionText, mockUsage, slowStreamPieces } from '../../fixtures/mock-responses.ts';
import type { MockControlClient, RecordedRequest } from '../../fixtures/mock-upstreams.ts';
import { pollUntil } from '../../fixtures/poll.ts';
import { chatBody, PROXY_PATHS } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { UsageListSchema } from '../../harness/contract/schemas.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition, requireStatus, upstreamUrlOf } from '../../harness/verdict.ts';

/** The contract's bound: the upstream connection closes within this long after the client left. */
const CLOSE_WITHIN_MS = 1_000;
/** How long the check watches for the close (past the bound, so a late close is measured, not missed). */
const WATCH_MS = 3_000;
/** SSE chunks the client reads before it hangs up. */
const CHUNKS_BEFORE_ABORT = 3;

/**
 * POSTs a `mock-slow-stream` request to `url`, reads a few chunks, aborts, and returns when it aborted.
 * The mock's slow stream lasts 20 s, so an upstream call that is still open a second later was not ended.
 */
async function streamThenAbort(url: string, caPem: string, headers: Record<string, string>, body: object) {
  const agent = new Agent({ connect: { ca: caPem } });
  const controller = new AbortController();
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      signal: controller.signal,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    let chunks = 0;
    let text = '';
    try {
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString('utf8');
        chunks += 1;
        if (chunks >= CHUNKS_BEFORE_ABORT) break;
      }
    } catch {
      // the stream ended before the client left: recorded through `chunks`
    }
    const abortedAt = Date.now();
    controller.abort();
    return { status: response.statusCode, chunks, text, abortedAt };
  } finally {
    controller.abort();
    await agent.close().catch(() => undefined);
  }
}

/** Waits for the mock to see the one request carrying `key` closed; null when it is still open after WATCH_MS. */
async function closeOf(mock: MockControlClient, since: number, key: string) {
  const read = async () =>
    (await mock.requests({ since })).filter((r) => JSON.stringify(r.rawHeaders).includes(key));
  const seen = await pollUntil(read, (rs) => rs.length === 1 && rs[0]?.closedAt !== undefined, WATCH_MS);
  return seen;
}

function closeDelay(r: RecordedRequest | undefined, abortedAt: number): number | null {
  return r?.closedAt === undefined ? null : Date.parse(r.closedAt) - abortedAt;
}

describe(claimTitle('SECRETS-13'), () => {
  test('sees the close of a stream the harness itself aborts at the mock upstream (positive control)', async ({
    env,
    mock,
    evidence,
  }) => {
    const key = makeCanary('anthropic');
    const cursor = await mock.cursor();
    const run = await streamThenAbort(
      `${upstreamUrlOf(env, 'anthropic')}/v1/messages`,
      env.caPem,
      { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      chatBody('anthropic', 'mock-slow-stream', makePrompt(), true),
    );
    const seen = await closeOf(mock, cursor, key);
    const delay = closeDelay(seen[0], run.abortedAt);
    await evidence.positiveControl('the mock saw its own client leave', {
      chunks: run.chunks,
      closeDelayMs: delay,
      responseFinished: seen[0]?.responseFinished ?? null,
    });
    precondition(
      seen.length === 1 && delay !== null && delay < CLOSE_WITHIN_MS && seen[0]?.responseFinished === false,
      `the mock did not report the close of a stream the harness aborted itself (seen ${seen.length}, delay ${delay})`,
    );
  });

  test('ends the upstream stream within 1 s of the client leaving, and records the usage that streamed', async ({
    env,
    target,
    mock,
    tenant,
    apiKey,
    evidence,
  }) => {
    const providerKey = makeCanary('anthropic');
    const prompt = makePrompt();
    const cursor = await mock.cursor();
    const run = await streamThenAbort(
      `${target.baseUrl}${PROXY_PATHS.anthropic}`,
      env.caPem,
      { ...bearer(apiKey.raw_key), 'x-provider-key': providerKey, 'anthropic-version': '2023-06-01' },
      chatBody('anthropic', 'mock-slow-stream', prompt, true),
    );
    requireStatus({ status: run.status }, 200, 'a slow streamed Anthropic call through the target', run.text);
    precondition(
      run.chunks >= CHUNKS_BEFORE_ABORT,
      `the stream ended after ${run.chunks} chunks, before the client could leave mid-stream`,
    );
    const seen = await closeOf(mock, cursor, providerKey);
    precondition(
      seen.length === 1,
      `expected the one upstream request carrying this test's provider key, found ${seen.length}`,
    );
    const delay = closeDelay(seen[0], run.abortedAt);

    // the usage row: written once the call ended, with what the provider had said by then
    const expected = mockUsage(prompt, mockCompletionText('anthropic', prompt));
    const wholeAnswerTokens = slowStreamPieces('anthropic', prompt)
      .join('')
      .split(/\s+/)
      .filter(Boolean).length;
    const rows = await pollUntil(
      async () => {
        const response = await target.send(`/v1/usage?limit=500`, { headers: bearer(tenant.token) });
        requireStatus(response, 200, 'listing usage', response.body);
        return UsageListSchema.parse(JSON.parse(response.body)).usage.filter((r) => r.key_id === apiKey.id);
      },
      (rs) => rs.length > 0,
      WATCH_MS,
    );
    await evidence.record('client abort mid-stream', {
      key: fingerprint(providerKey),
      chunksRead: run.chunks,
      upstreamCloseDelayMs: delay,
      responseFinishedUpstream: seen[0]?.responseFinished ?? null,
      usageRows: rows,
      inputTokensStreamed: expected.inputTokens,
      outputTokensOfWholeAnswerAtMost: wholeAnswerTokens,
    });
    expect(
      delay,
      'ms from the client leaving until the upstream connection closed (null: still open)',
    ).not.toBeNull();
    expect(delay ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(CLOSE_WITHIN_MS);
    expect(rows.length, 'usage rows of the aborted request').toBe(1);
    expect(rows[0]?.input_tokens, 'input tokens the provider streamed before the abort').toBe(
      expected.inputTokens,
    );
    expect(rows[0]?.output_tokens ?? 0).toBeLessThanOrEqual(wholeAnswerTokens);
  });
});
