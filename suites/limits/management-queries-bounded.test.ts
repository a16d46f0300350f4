// LIMITS-04: management queries are bounded — `?limit` above 500 is capped or refused; ten years of analytics answer within 5 s, proxy traffic unaffected.
import { randomUUID } from 'node:crypto';
import { createTenant, keyName } from '../../fixtures/factories.ts';
import { pollUntil } from '../../fixtures/poll.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** The contract's ceiling on `?limit` (§1). */
const MAX_LIMIT = 500;
/** Usage rows made first: more than the ceiling, so a cap can be seen. */
const ROWS = 520;
/** Requests in flight per key while making rows. */
const BURST = 10;
const ANALYTICS_WITHIN_MS = 5_000;
const TEN_YEARS_MS = 10 * 365.25 * 24 * 60 * 60 * 1_000;

async function usageCount(client: TargetClient, token: string, limit: number) {
  const response = await client.send(`/v1/usage?limit=${limit}`, { headers: bearer(token) });
  let rows: number | null = null;
  try {
    const body = JSON.parse(response.body) as { usage?: unknown };
    rows = Array.isArray(body.usage) ? body.usage.length : null;
  } catch {
    rows = null;
  }
  return { status: response.status, rows };
}

/**
 * ROWS proxied requests through a series of keys, each used until the rate limit refuses it and then
 * revoked, so a fresh account's quota and key count suffice. Refused requests write no row (RATELIMIT-04).
 */
async function makeUsageRows(client: TargetClient, token: string): Promise<number> {
  let admitted = 0;
  let keys = 0;
  while (admitted < ROWS) {
    keys += 1;
    precondition(keys <= ROWS, `no key admitted a proxy request after ${keys - 1} keys`);
    const key = await client.createKey(token, { name: keyName() });
    let refused = false;
    while (!refused && admitted < ROWS) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(BURST, ROWS - admitted) }, () =>
          sendChat(client, 'openai', {
            apiKey: key.raw_key,
            providerKey: `sk-proj-limits04-${randomUUID()}`,
          }),
        ),
      );
      for (const response of batch) {
        if (response.status === 429) refused = true;
        else {
          requireStatus(response, 200, 'a proxied request that makes a usage row', response.body);
          admitted += 1;
        }
      }
    }
    const revoked = await client.send(`/v1/auth/keys/${key.id}`, {
      method: 'DELETE',
      headers: bearer(token),
    });
    requireStatus(revoked, 204, 'revoking a used key (DELETE /v1/auth/keys/{id})', revoked.body);
  }
  return keys;
}

describe(claimTitle('LIMITS-04'), () => {
  test('caps or refuses ?limit above 500, and answers ten years of analytics within 5 s while the proxy serves others', async ({
    target,
    tenant,
    evidence,
  }) => {
    const keys = await makeUsageRows(target, tenant.token);
    // Positive control: ?limit=500 shows at least 500 rows once they are written (more is the over-limit probe's business).
    const atCeiling = await pollUntil(
      () => usageCount(target, tenant.token, MAX_LIMIT),
      (seen) => (seen.rows ?? 0) >= MAX_LIMIT,
      10_000,
    );
    await evidence.positiveControl(
      `with ${ROWS} rows made, ?limit=${MAX_LIMIT} returns at least ${MAX_LIMIT}`,
      {
        ...atCeiling,
        keysUsed: keys,
      },
    );
    requireStatus(atCeiling, 200, `listing usage (GET /v1/usage?limit=${MAX_LIMIT})`);
    precondition(
      (atCeiling.rows ?? 0) >= MAX_LIMIT,
      `GET /v1/usage?limit=${MAX_LIMIT} returned ${atCeiling.rows} rows after ${ROWS} were made: the rows are not all visible, so a cap cannot be seen`,
    );
    const over = await usageCount(target, tenant.token, 100_000);

    // Analytics over ten years, with another tenant's proxy traffic running alongside.
    const other = await createTenant(target);
    const otherKey = await target.createKey(other.token, { name: keyName() });
    const end = new Date();
    const start = new Date(end.getTime() - TEN_YEARS_MS);
    const period = `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
    const timed = async (path: string) => {
      const t0 = performance.now();
      const response = await target.send(path, { headers: bearer(tenant.token) });
      return { path, status: response.status, ms: Math.round(performance.now() - t0), body: response.body };
    };
    const [summary, byKey, proxied] = await Promise.all([
      timed(`/v1/analytics/summary?${period}`),
      timed(`/v1/analytics/by-key?${period}`),
      sendChat(target, 'openai', { apiKey: otherKey.raw_key, providerKey: 'sk-proj-limits04-other' }),
    ]);
    await evidence.record('usage list and ten years of analytics', {
      overLimit: { limit: 100_000, ...over },
      analytics: [summary, byKey].map(({ path, status, ms }) => ({ path: path.split('?')[0], status, ms })),
      otherTenantProxyStatus: proxied.status,
    });
    // a refusal (4xx) or at most 500 rows
    if (over.status === 200) expect(over.rows, '?limit=100000 returned').toBeLessThanOrEqual(MAX_LIMIT);
    else expect(over.status, 'status of ?limit=100000').toBeGreaterThanOrEqual(400);
    if (over.status !== 200) expect(over.status).toBeLessThan(500);
    for (const answer of [summary, byKey]) {
      expect(answer.status, `${answer.path.split('?')[0]} over ten years`).toBeLessThan(500);
      expect(answer.ms, `${answer.path.split('?')[0]} over ten years took (ms)`).toBeLessThanOrEqual(
        ANALYTICS_WITHIN_MS,
      );
    }
    expect(proxied.status, "another tenant's proxy request during the analytics").toBe(200);
  }, 60_000);
});
