// AUTH-11: the failed-authentication throttle is atomic and locks out no one else — of 300 concurrent bad attempts from one client, at most the limit are evaluated.
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { keyFormatOf, lookalikeKey } from '../../fixtures/key-format.ts';
import { chatRequest, sendChat } from '../../fixtures/proxy-requests.ts';
import { type BurstAnswer, type BurstRequest, synchronizedBurst } from '../../fixtures/synchronized-burst.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { TargetClient, TargetResponse } from '../../harness/contract/client.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** The claim's burst: this many bad attempts from one client at once. */
const BURST = 300;
/** Calibration bound when the manifest states no limit (AUTH-08's bound). */
const MAX_CALIBRATION_ATTEMPTS = 1_000;

/** A 429's Retry-After in seconds, or null when it carries none (or none that is a number). */
function retryAfterOf(answer: BurstAnswer): number | null {
  const seconds = Number(answer.headers['retry-after'] ?? Number.NaN);
  return Number.isFinite(seconds) ? seconds : null;
}

describe(claimTitle('AUTH-11'), () => {
  test('evaluates at most the limit of 300 concurrent bad attempts from one client, and serves a valid key from another meanwhile', async ({
    env,
    apiKey,
    manifest,
    providerKey,
    evidence,
    onTestFinished,
  }) => {
    const clients: TargetClient[] = [];
    onTestFinished(async () => {
      for (const client of clients) await client.close();
    });
    const fromFreshAddress = (replica = 0) => {
      const client = clientFromAddress(env, freshLoopbackAddress(), replica);
      clients.push(client);
      return client;
    };
    const format = keyFormatOf(manifest);
    const guess = () => lookalikeKey(apiKey.raw_key, format);

    // The limit: as the manifest states it, or as one address meets it one attempt at a time.
    let limit = manifest.limits?.authFailureLimit ?? null;
    let calibration: Record<string, unknown> = { stated: limit };
    if (limit === null) {
      const prober = fromFreshAddress();
      let failures = 0;
      let throttledAt: number | null = null;
      for (let attempt = 1; attempt <= MAX_CALIBRATION_ATTEMPTS; attempt += 1) {
        const response = await sendChat(prober, 'openai', { apiKey: guess(), providerKey });
        requireStatus(response, [401, 429], `calibration guess ${attempt}`, response.body);
        if (response.status === 429) {
          throttledAt = attempt;
          break;
        }
        failures += 1;
      }
      precondition(
        throttledAt !== null,
        `no 429 in ${MAX_CALIBRATION_ATTEMPTS} sequential failed attempts: the throttle itself is AUTH-08's finding, and without it there is no limit to hold a burst to`,
      );
      limit = failures;
      calibration = { stated: null, observedSequentially: failures, throttledAt };
    }

    // The burst: one fresh address, spread over every replica, released at once (each request held
    // by the last byte of its head until all are written); meanwhile the valid key from another address.
    const replicas = env.replicas.length;
    const burstAddress = freshLoopbackAddress();
    const bystander = fromFreshAddress();
    const requests = Array.from({ length: BURST }, (_, index): BurstRequest => {
      const { path, headers, body } = chatRequest('openai', { apiKey: guess(), providerKey });
      const replica = env.replicas[index % replicas]!;
      return { baseUrl: replica.httpsUrl, localAddress: burstAddress, method: 'POST', path, headers, body };
    });
    let served: Promise<TargetResponse> | undefined;
    const { answers, releasedAt, releaseSpreadMs, preparedMs } = await synchronizedBurst(requests, {
      caPem: env.caPem,
      // GET /health (no credential) first: the connections then wait between requests, not inside one
      warmUpPath: '/health',
      onReleased: () => {
        served = sendChat(bystander, 'openai', { apiKey: apiKey.raw_key, providerKey });
      },
    });
    const ended = Date.now();
    const unanswered = answers.filter((answer) => Number.isNaN(answer.status));
    precondition(
      unanswered.length === 0,
      `${unanswered.length} of ${BURST} burst attempts got no answer (${unanswered[0]?.error ?? ''})`,
    );

    const statuses: Record<number, number> = {};
    for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const evaluated = statuses[401] ?? 0;
    // a throttle that lifted during the burst (fixed window rolling over) may rightly admit a second
    // window's worth: allowed only when a 429's Retry-After says so, or a 429 carries none
    const liftedDuringBurst = answers.some((answer) => {
      if (answer.status !== 429) return false;
      const retryAfter = retryAfterOf(answer);
      return retryAfter === null || answer.at + retryAfter * 1_000 <= ended + 1_000;
    });
    const allowed = (liftedDuringBurst ? 2 * limit : limit) + replicas;

    precondition(served !== undefined, 'the burst was never released');
    const bystanderAnswer = await served;
    await evidence.positiveControl('the valid key served from another address during the burst', {
      key: fingerprint(apiKey.raw_key),
      status: bystanderAnswer.status,
    });
    await evidence.record('the burst', {
      attempts: BURST,
      replicas,
      // each attempt on its own connection, opened (GET /health) and written but the last byte of its head beforehand
      connectionsOpenedBeforehand: BURST,
      preparedMs,
      releaseSpreadMs: Math.round(releaseSpreadMs * 100) / 100,
      limit: calibration,
      statuses,
      evaluated,
      allowed,
      liftedDuringBurst,
      durationMs: ended - releasedAt,
    });
    const others = Object.keys(statuses).filter((status) => status !== '401' && status !== '429');
    precondition(
      others.length === 0,
      `bad attempts answered with ${others.join(', ')} besides 401 and 429: the burst did not reach the key check`,
    );
    expect(bystanderAnswer.status, 'the valid key from another address was locked out by the burst').not.toBe(
      429,
    );
    requireStatus(
      bystanderAnswer,
      200,
      'the valid key from another address (positive control)',
      bystanderAnswer.body,
    );
    expect(
      evaluated,
      `${evaluated} of ${BURST} concurrent bad attempts were evaluated (401)`,
    ).toBeLessThanOrEqual(allowed);
  });
});
