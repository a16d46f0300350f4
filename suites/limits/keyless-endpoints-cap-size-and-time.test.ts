// LIMITS-01: endpoints without a key cap body size and time — a 1 MB login body is 413 early, a dripped body is cut.
import { freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { sendHeldBody } from '../../fixtures/held-body.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { precondition } from '../../harness/verdict.ts';

const KB = 1_024;
/** The claim's bound on what a keyless endpoint reads of a body before refusing it. */
const MAX_READ_BYTES = 64 * KB;
/** Sent before holding: past the bound, with room for the target's read buffers. */
const BURST_BYTES = MAX_READ_BYTES + 16 * KB;
const ONE_MB = 1_000_000;
/** The claim's bound on how long a dripped body may hold a connection. */
const DRIP_CUT_WITHIN_MS = 30_000;
const ANSWER_WAIT_MS = 5_000;
const LOGIN_HEADERS = { 'Content-Type': 'application/json' };

describe(claimTitle('LIMITS-01'), () => {
  test.for([
    { framing: 'chunked' as const, label: 'chunked' },
    { framing: { contentLength: ONE_MB }, label: 'declared as 1 MB' },
  ])(
    'refuses a 1 MB login body ($label) with 413 before more than 64 kB has to be read',
    async ({ framing, label }, { env, evidence }) => {
      const url = env.replicas[0]!.httpsUrl;
      // Positive control: the same raw client, with a small login body it sends in full, gets the target's answer.
      const body = JSON.stringify({ email: 'limits01@example.test', password: 'not-the-password-01' });
      const control = await sendSmallLogin(url, env.caPem, body);
      await evidence.positiveControl(
        'a small login body over the same raw TLS client gets an answer',
        control,
      );
      precondition(
        control.status !== null && control.status !== 413,
        `a small login body got ${control.status === null ? 'no answer' : control.status}, so this client's requests reach no login`,
      );
      const held = await sendHeldBody(url, env.caPem, {
        method: 'POST',
        path: '/v1/auth/login',
        headers: LOGIN_HEADERS,
        framing,
        burstBytes: BURST_BYTES,
        waitMs: ANSWER_WAIT_MS,
        localAddress: freshLoopbackAddress(),
      });
      await evidence.record(`1 MB login body, ${label}, held after ${BURST_BYTES} bytes`, {
        status: held.status,
        bytesSent: held.bytesSent,
        answeredAfterMs: held.endedAfterMs,
        closed: held.closed,
      });
      // refused before the body was read: 413 is the contract's answer, but an edge in front may turn the
      // target's early close into a 502; any refusal bounds the body (null: it was still reading it)
      expect(
        held.status ?? 0,
        `answer to a ${label} 1 MB login body after ${held.bytesSent} bytes were sent`,
      ).toBeGreaterThanOrEqual(400);
    },
  );

  test('cuts a login body dripped at one byte a second within 30 s', async ({ env, manifest, evidence }) => {
    const url = env.replicas[0]!.httpsUrl;
    const stated = manifest.limits?.requestTimeoutSeconds;
    const held = sendHeldBody(url, env.caPem, {
      method: 'POST',
      path: '/v1/auth/login',
      headers: LOGIN_HEADERS,
      framing: { contentLength: 1_000 },
      dripIntervalMs: 1_000,
      waitMs: DRIP_CUT_WITHIN_MS,
      localAddress: freshLoopbackAddress(),
    });
    // Positive control, while the drip holds its connection: a login on another connection is answered.
    await new Promise((done) => setTimeout(done, 1_500));
    const control = await sendSmallLogin(
      url,
      env.caPem,
      JSON.stringify({ email: 'limits01@example.test', password: 'not-the-password-01' }),
    );
    const result = await held;
    await evidence.positiveControl('a login on another connection is answered during the drip', control);
    await evidence.record('login body dripped at 1 byte/s', {
      cutAfterMs: result.endedAfterMs,
      status: result.status,
      closed: result.closed,
      bytesSent: result.bytesSent,
      statedRequestTimeoutS: stated ?? null,
    });
    precondition(
      control.status !== null,
      'a login on another connection got no answer during the drip: the target is not answering at all',
    );
    expect(
      result.endedAfterMs,
      'ms until the dripped request was answered or cut (null: not within 30 s)',
    ).not.toBeNull();
    expect(result.endedAfterMs as number).toBeLessThanOrEqual(DRIP_CUT_WITHIN_MS);
  }, 45_000);
});

/** A small, complete login body over the raw client: the answer's status. */
async function sendSmallLogin(url: string, caPem: string, body: string) {
  const result = await sendHeldBody(url, caPem, {
    method: 'POST',
    path: '/v1/auth/login',
    headers: { ...LOGIN_HEADERS },
    framing: { contentLength: Buffer.byteLength(body) },
    waitMs: ANSWER_WAIT_MS,
    localAddress: freshLoopbackAddress(),
    body,
  });
  return { status: result.status, answeredAfterMs: result.endedAfterMs };
}
