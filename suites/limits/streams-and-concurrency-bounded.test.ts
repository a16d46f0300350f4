// LIMITS-03: streams and concurrency are bounded per key — an endless upstream stream is cut at the configured lifetime, a key past its cap of open calls gets 429, and another tenant is not slowed down.
import { Agent, request } from 'undici';
import { canStartDedicated, startDedicatedEnvironment } from '../../fixtures/dedicated-environment.ts';
import { createTenant } from '../../fixtures/factories.ts';
import { chatBody, PROXY_PATHS, sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { TargetClient } from '../../harness/contract/client.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** What a target the harness starts itself gets for this check (contract §2's overrides). */
const DEDICATED_LIMITS = { streamMaxSeconds: 3, maxConcurrentRequestsPerKey: 3 };
/** How long past its lifetime a stream may take to be seen ending (scheduling, TLS teardown). */
const CUT_SLACK_MS = 4_000;
/** Sequential calls of the other tenant, before and during the load (each within its quota). */
const BYSTANDER_CALLS = 7;

interface StreamOutcome {
  status: number;
  chunks: number;
  /** ms from the request to the body's end (or its error); null when still open at the check's own bound */
  endedAfterMs: number | null;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

describe(claimTitle('LIMITS-03'), () => {
  test('cuts an endless stream at its lifetime, refuses a key past its open-call cap with 429, and keeps another tenant fast', async ({
    env,
    manifest,
    evidence,
    onTestFinished,
  }) => {
    let client: TargetClient;
    let limits: { streamMaxSeconds: number; maxConcurrentRequestsPerKey: number };
    let where: string;
    let caPem = env.caPem;
    const stated = manifest.limits;
    if (canStartDedicated(manifest)) {
      const dedicated = await startDedicatedEnvironment(env, manifest, {
        label: 'limits-streams',
        limits: DEDICATED_LIMITS,
      });
      onTestFinished(() => dedicated.stop());
      const info = dedicated.getInfo();
      caPem = info.caPem;
      client = new TargetClient(info.replicas[0]?.httpsUrl ?? '', caPem);
      limits = DEDICATED_LIMITS;
      where = `a dedicated environment with STREAM_MAX_SECONDS=${DEDICATED_LIMITS.streamMaxSeconds}, MAX_CONCURRENT_REQUESTS_PER_KEY=${DEDICATED_LIMITS.maxConcurrentRequestsPerKey}`;
    } else if (stated?.streamMaxSeconds !== undefined && stated.maxConcurrentRequestsPerKey !== undefined) {
      client = new TargetClient(env.replicas[0]?.httpsUrl ?? '', caPem);
      limits = {
        streamMaxSeconds: stated.streamMaxSeconds,
        maxConcurrentRequestsPerKey: stated.maxConcurrentRequestsPerKey,
      };
      where = 'the shared environment, with the limits its manifest states';
      if (limits.streamMaxSeconds > 30) {
        return evidence.notAssessed(
          `the stated stream lifetime is ${limits.streamMaxSeconds} s, longer than this check waits, and the harness cannot restart a deployed target`,
        );
      }
    } else {
      return evidence.notAssessed(
        'the harness cannot restart this target with short limits, and its manifest states no limits.streamMaxSeconds and limits.maxConcurrentRequestsPerKey',
      );
    }
    const target = client;
    onTestFinished(() => target.close());
    const streamAgent = new Agent({ connect: { ca: caPem } });
    onTestFinished(() => streamAgent.close());

    const owner = await createTenant(target);
    const ownerKey = await target.createKey(owner.token, {});
    const other = await createTenant(target);
    const otherKey = await target.createKey(other.token, {});
    const providerKey = makeCanary('openai');
    const baseUrl = target.baseUrl;
    const lifetimeMs = limits.streamMaxSeconds * 1_000;
    const bound = lifetimeMs + CUT_SLACK_MS;

    /** Opens an endless stream of the owner's key; `opened` resolves at its status line. */
    const openStream = () => {
      const controller = new AbortController();
      const startedAt = performance.now();
      let markOpened: (status: number) => void = () => {};
      const opened = new Promise<number>((resolve) => {
        markOpened = resolve;
      });
      const done = (async (): Promise<StreamOutcome> => {
        const stopper = setTimeout(() => controller.abort(), bound);
        let status = 0;
        let chunks = 0;
        try {
          const response = await request(`${baseUrl}${PROXY_PATHS.openai}`, {
            method: 'POST',
            dispatcher: streamAgent,
            signal: controller.signal,
            headers: {
              authorization: `Bearer ${ownerKey.raw_key}`,
              'x-provider-key': providerKey,
              'content-type': 'application/json',
            },
            body: JSON.stringify(chatBody('openai', 'mock-endless-stream', 'count for ever', true)),
          });
          status = response.statusCode;
          markOpened(status);
          for await (const _chunk of response.body) chunks += 1;
          return { status, chunks, endedAfterMs: performance.now() - startedAt };
        } catch {
          markOpened(status);
          // our own abort at the bound: still open; anything else: the target cut it
          return {
            status,
            chunks,
            endedAfterMs: controller.signal.aborted ? null : performance.now() - startedAt,
          };
        } finally {
          clearTimeout(stopper);
        }
      })();
      return { opened, done };
    };

    const bystanderLatencies = async () => {
      const latencies: number[] = [];
      for (let call = 0; call < BYSTANDER_CALLS; call += 1) {
        const started = performance.now();
        const response = await sendChat(target, 'openai', { apiKey: otherKey.raw_key, providerKey });
        requireStatus(response, 200, `the other tenant's call ${call + 1}`, response.body);
        latencies.push(performance.now() - started);
      }
      return latencies;
    };

    const before = await bystanderLatencies();
    // the owner's key fills its cap with endless streams, then asks for one more call
    const streams = Array.from({ length: limits.maxConcurrentRequestsPerKey }, openStream);
    const statuses = await Promise.all(streams.map((stream) => stream.opened));
    const oneMore = await sendChat(target, 'openai', { apiKey: ownerKey.raw_key, providerKey });
    const during = await bystanderLatencies();
    const outcomes = await Promise.all(streams.map((stream) => stream.done));
    // once the streams are gone, the same key is served again: the 429 was its open calls, not its quota
    const afterwards = await sendChat(target, 'openai', { apiKey: ownerKey.raw_key, providerKey });

    await evidence.positiveControl(
      'the endless streams delivered before any cut, and the key is served once they are gone',
      {
        key: fingerprint(ownerKey.raw_key),
        statuses,
        chunks: outcomes.map((outcome) => outcome.chunks),
        afterwards: afterwards.status,
      },
    );
    await evidence.record('lifetime, cap and the other tenant', {
      where,
      limits,
      endedAfterMs: outcomes.map((outcome) =>
        outcome.endedAfterMs === null ? null : Math.round(outcome.endedAfterMs),
      ),
      checkBoundMs: bound,
      oneMore: { status: oneMore.status, body: oneMore.body.slice(0, 200) },
      otherTenantMs: { before: before.map(Math.round), during: during.map(Math.round) },
    });
    precondition(
      statuses.every((status) => status === 200) && outcomes.every((outcome) => outcome.chunks > 0),
      `the endless streams did not start (statuses ${statuses.join(', ')}): nothing to bound`,
    );
    requireStatus(
      afterwards,
      200,
      "the owner's key after its streams ended (positive control)",
      afterwards.body,
    );
    for (const outcome of outcomes) {
      expect(
        outcome.endedAfterMs,
        `an endless stream was still open ${bound} ms after it started`,
      ).not.toBeNull();
      expect(outcome.endedAfterMs!).toBeLessThanOrEqual(bound);
    }
    expect(oneMore.status, `call ${limits.maxConcurrentRequestsPerKey + 1} of a key at its cap`).toBe(429);
    // "within 2×", with 25 ms for what a loaded machine adds to a few-millisecond median
    expect(median(during)).toBeLessThanOrEqual(2 * median(before) + 25);
  });
});
