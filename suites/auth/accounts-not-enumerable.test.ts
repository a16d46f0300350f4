// AUTH-09: login and signup don't reveal which accounts exist — same status, body shape and timing; a taken e-mail signs up like a new one.
import { randomInt, randomUUID } from 'node:crypto';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { TargetClient, TargetResponse } from '../../harness/contract/client.ts';
import { HarnessError } from '../../harness/errors.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { detectablePairedShift, wilcoxonSignedRank } from '../../harness/stats/paired.ts';
import { quantile } from '../../harness/stats/two-sample.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** A target without any leak fails the timing test once in 1,000 runs. */
const FALSE_ALARM_RATE = 0.001;
/** Pairs measured first, per further round while the run could not yet see a leak of the bar, and at most. */
const PAIRS = 60;
const ROUND_PAIRS = 40;
const MAX_PAIRS = 200;
/** No round starts after this much measuring. */
const MEASURING_BUDGET_MS = 40_000;
/** Pairs with a throttled or odd answer are measured again, up to this many attempts in all. */
const MAX_ATTEMPTED_PAIRS = 2 * MAX_PAIRS;
/** Failed logins per source address, under the failed-auth throttle (contract §2 default 100 a minute). */
const DEFAULT_ATTEMPTS_PER_ADDRESS = 40;
/**
 * The leak a clean result must have been able to see: 2 ms, or 30 % of the median refusal. A login that
 * skips the password hash for unknown e-mails differs by the whole hash, most of the refusal (argon2id
 * at 19 MiB took ~100 ms of a 107 ms median on this project's loaded 2-core machine).
 */
const MIN_BAR_MS = 2;
const BAR_OF_MEDIAN = 0.3;
const POWER = 0.8;
const RESAMPLES = 20;

type Group = 'wrong-password' | 'unknown-email';

/** The smallest shift the Wilcoxon test would see in this noise (magnitudes resampled with random signs). */
const detectableShift = (differences: number[]) =>
  detectablePairedShift(
    differences.map((d) => Math.abs(d)),
    { alpha: FALSE_ALARM_RATE, power: POWER, resamples: RESAMPLES, seed: randomInt(2 ** 31) },
  );

/** The structure of a JSON body (keys and value types, not values), for comparing refusals. */
function shapeOf(text: string): unknown {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, walk((value as Record<string, unknown>)[key])]),
      );
    }
    return typeof value;
  };
  try {
    return walk(JSON.parse(text));
  } catch {
    return `not JSON (${text.length} bytes)`;
  }
}

describe(claimTitle('AUTH-09'), () => {
  test('an unknown e-mail and a wrong password get the same status, body shape and time', async ({
    env,
    tenant,
    manifest,
    evidence,
  }) => {
    const stated = manifest.limits?.authFailureLimit;
    const perAddress = Math.max(2, Math.min(DEFAULT_ATTEMPTS_PER_ADDRESS, Math.floor((stated ?? 100) * 0.8)));
    let client: TargetClient | null = null;
    let used = 0;
    const next = async () => {
      if (client === null || used >= perAddress) {
        await client?.close();
        client = clientFromAddress(env, freshLoopbackAddress());
        used = 0;
        await client.send('/health');
      }
      used += 1;
      return client;
    };
    const bodyOf = (group: Group) => ({
      email: group === 'wrong-password' ? tenant.email : `auth09.${randomUUID().slice(0, 8)}@example.test`,
      password: `Wrong-${randomUUID()}`,
    });
    const timeOne = async (group: Group): Promise<{ response: TargetResponse; ms: number }> => {
      const target = await next();
      const t0 = performance.now();
      const response = await target.send('/v1/auth/login', { method: 'POST', body: bodyOf(group) });
      return { response, ms: performance.now() - t0 };
    };
    const statuses: Record<string, Record<number, number>> = { 'wrong-password': {}, 'unknown-email': {} };
    const shapes: Record<Group, Set<string>> = { 'wrong-password': new Set(), 'unknown-email': new Set() };
    const differences: number[] = [];
    const times: number[] = [];
    let attempted = 0;
    let detectable = Number.POSITIVE_INFINITY;
    let bar = MIN_BAR_MS;
    try {
      // Positive control: the right password logs in through the same clients.
      const ok = await (await next()).send('/v1/auth/login', {
        method: 'POST',
        body: { email: tenant.email, password: tenant.password },
      });
      requireStatus(ok, 200, 'logging in with the right password', ok.body);
      const started = performance.now();
      let goal = PAIRS;
      for (;;) {
        while (differences.length < goal && attempted < MAX_ATTEMPTED_PAIRS) {
          attempted += 1;
          const order: Group[] =
            randomInt(2) === 0 ? ['wrong-password', 'unknown-email'] : ['unknown-email', 'wrong-password'];
          const pair: Partial<Record<Group, number>> = {};
          let plain = true;
          for (const group of order) {
            const { response, ms } = await timeOne(group);
            const counts = statuses[group]!;
            counts[response.status] = (counts[response.status] ?? 0) + 1;
            if (response.status === 429) {
              used = Number.POSITIVE_INFINITY;
              plain = false;
              continue;
            }
            shapes[group].add(JSON.stringify(shapeOf(response.body)));
            pair[group] = ms;
          }
          if (!plain || pair['wrong-password'] === undefined || pair['unknown-email'] === undefined) continue;
          differences.push(pair['unknown-email'] - pair['wrong-password']);
          times.push(pair['unknown-email'], pair['wrong-password']);
        }
        if (differences.length < goal) break;
        detectable = detectableShift(differences);
        bar = Math.max(MIN_BAR_MS, BAR_OF_MEDIAN * quantile(times, 0.5));
        if (detectable <= bar || goal >= MAX_PAIRS || performance.now() - started > MEASURING_BUDGET_MS)
          break;
        goal = Math.min(MAX_PAIRS, goal + ROUND_PAIRS);
      }
    } finally {
      await (client as TargetClient | null)?.close();
    }
    precondition(
      differences.length >= PAIRS,
      `only ${differences.length} of ${PAIRS} pairs of refusals were measured in ${attempted} attempts (answers: ${JSON.stringify(statuses)})`,
      'HARNESS_ERR_TIMING_INCONCLUSIVE',
    );
    const median = quantile(times, 0.5);
    await evidence.positiveControl(
      'the right password logs in; the leak this run could detect (its own noise, resampled with a shift added)',
      {
        detectableShiftMs: Number(detectable.toFixed(3)),
        requiredAtMostMs: Number(bar.toFixed(3)),
      },
    );
    const result = wilcoxonSignedRank(differences);
    await evidence.record('refusals of an unknown e-mail against a wrong password', {
      account: fingerprint(tenant.email),
      statuses,
      shapes: {
        'wrong-password': [...shapes['wrong-password']],
        'unknown-email': [...shapes['unknown-email']],
      },
      pairs: differences.length,
      medianRefusalMs: Number(median.toFixed(3)),
      medianDifferenceMs: Number(quantile(differences, 0.5).toFixed(3)),
      z: Number(result.z.toFixed(3)),
      pValue: result.pTwoSided,
    });
    const statusesOf = (group: Group) => Object.keys(statuses[group]!).filter((s) => s !== '429');
    expect(statusesOf('unknown-email'), 'statuses of unknown e-mails against wrong passwords').toEqual(
      statusesOf('wrong-password'),
    );
    expect([...shapes['unknown-email']], 'body shapes of unknown e-mails against wrong passwords').toEqual([
      ...shapes['wrong-password'],
    ]);
    expect(
      result.pTwoSided,
      `refusal times differ (median difference ${quantile(differences, 0.5).toFixed(3)} ms, unknown e-mail − wrong password)`,
    ).toBeGreaterThanOrEqual(FALSE_ALARM_RATE);
    if (detectable > bar) {
      throw new HarnessError(
        'HARNESS_ERR_TIMING_INCONCLUSIVE',
        `this run could only have detected a shift of ${detectable.toFixed(3)} ms (at most ${bar.toFixed(3)} ms required): the machine was too noisy`,
      );
    }
  }, 90_000);

  test('a signup with a taken e-mail gets the answer of a new one, or 429', async ({
    env,
    tenant,
    evidence,
    onTestFinished,
  }) => {
    const client = clientFromAddress(env, freshLoopbackAddress());
    onTestFinished(() => client.close());
    const fresh = await client.send('/v1/auth/signup', {
      method: 'POST',
      body: { email: `auth09.${randomUUID()}@example.test`, password: `Auth09-${randomUUID()}` },
    });
    requireStatus(fresh, 201, 'signing up with a new e-mail', fresh.body);
    const taken = await client.send('/v1/auth/signup', {
      method: 'POST',
      body: { email: tenant.email, password: `Auth09-${randomUUID()}` },
    });
    await evidence.positiveControl('a new e-mail signs up', {
      status: fresh.status,
      shape: shapeOf(fresh.body),
    });
    await evidence.record('signup with a taken e-mail', { status: taken.status, shape: shapeOf(taken.body) });
    if (taken.status === 429) return;
    expect(taken.status, 'status of a signup with a taken e-mail').toBe(fresh.status);
    expect(shapeOf(taken.body), 'body shape of a signup with a taken e-mail').toEqual(shapeOf(fresh.body));
  });
});
