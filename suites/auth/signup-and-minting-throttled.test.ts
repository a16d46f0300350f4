// AUTH-12: signup and key minting are throttled — one client's signups, and one tenant's create/revoke cycles, reach 429 well before 1,000.
import { randomUUID } from 'node:crypto';
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { canStartDedicated, startDedicatedEnvironment } from '../../fixtures/dedicated-environment.ts';
import { createTenant, keyName } from '../../fixtures/factories.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** The claim's bound: a throttle must answer 429 before this many attempts. */
const MAX_ATTEMPTS = 1_000;
/** Limits a target the harness starts gets in an environment of its own (SIGNUP_LIMIT, KEY_MINT_LIMIT), so the check is quick. */
const DEDICATED_LIMIT = 10;
/** Signups in flight at once (hashing makes each slow). */
const SIGNUP_CONCURRENCY = 4;

interface Attempts {
  accepted: number;
  attempts: number;
  throttledAt: number | null;
  retryAfter: string | null;
}

/** Runs `attempt` until it answers 429 or MAX_ATTEMPTS were made, `concurrency` at a time. */
async function untilThrottled(
  attempt: () => Promise<{ status: number; headers: Record<string, string>; body: string }>,
  accepted: number,
  what: string,
  concurrency = 1,
): Promise<Attempts> {
  const result: Attempts = { accepted: 0, attempts: 0, throttledAt: null, retryAfter: null };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (result.throttledAt === null && result.attempts < MAX_ATTEMPTS) {
        result.attempts += 1;
        const response = await attempt();
        if (response.status === 429) {
          result.throttledAt ??= result.attempts;
          result.retryAfter ??= response.headers['retry-after'] ?? null;
          return;
        }
        requireStatus(response, accepted, what, response.body);
        result.accepted += 1;
      }
    }),
  );
  return result;
}

async function environmentFor(
  env: EnvironmentInfo,
  manifest: Parameters<typeof canStartDedicated>[0],
  onCleanup: (fn: () => Promise<void>) => void,
): Promise<{ info: EnvironmentInfo; where: string }> {
  if (!canStartDedicated(manifest))
    return { info: env, where: 'the shared environment, with its own limits' };
  const started = await startDedicatedEnvironment(env, manifest, {
    label: 'signup-throttle',
    limits: { signupLimit: DEDICATED_LIMIT, keyMintLimit: DEDICATED_LIMIT },
  });
  onCleanup(() => started.stop());
  return {
    info: started.getInfo(),
    where: `a dedicated environment (SIGNUP_LIMIT=${DEDICATED_LIMIT}, KEY_MINT_LIMIT=${DEDICATED_LIMIT})`,
  };
}

describe(claimTitle('AUTH-12'), () => {
  test('one client signing up again and again, and one tenant creating and revoking keys, meet 429 before 1,000', async ({
    env,
    manifest,
    evidence,
    onTestFinished,
  }) => {
    const { info, where } = await environmentFor(env, manifest, onTestFinished);
    const clients: TargetClient[] = [];
    onTestFinished(async () => {
      await Promise.all(clients.map((client) => client.close()));
    });
    const open = () => {
      const client = clientFromAddress(info, freshLoopbackAddress());
      clients.push(client);
      return client;
    };
    // Key minting first, by a tenant signed up from an address of its own.
    const minter = open();
    const tenant = await createTenant(minter);
    const minting = await untilThrottled(
      async () => {
        const created = await minter.send('/v1/auth/keys', {
          method: 'POST',
          headers: bearer(tenant.token),
          body: { name: keyName() },
        });
        if (created.status !== 201) return created;
        const { id } = JSON.parse(created.body) as { id: string };
        const revoked = await minter.send(`/v1/auth/keys/${id}`, {
          method: 'DELETE',
          headers: bearer(tenant.token),
        });
        requireStatus(revoked, 204, 'revoking a minted key (DELETE /v1/auth/keys/{id})', revoked.body);
        return created;
      },
      201,
      'creating a key (POST /v1/auth/keys) in a create/revoke cycle',
    );
    const signer = open();
    const signups = await untilThrottled(
      () =>
        signer.send('/v1/auth/signup', {
          method: 'POST',
          body: { email: `auth12.${randomUUID()}@example.test`, password: `Auth12-${randomUUID()}` },
        }),
      201,
      'signing up (POST /v1/auth/signup) from one address',
      SIGNUP_CONCURRENCY,
    );
    await evidence.positiveControl('the first signup and the first key creation are accepted', {
      signupsAccepted: signups.accepted,
      keysMinted: minting.accepted,
    });
    await evidence.record('attempts until 429', { where, signups, minting, bound: MAX_ATTEMPTS });
    precondition(
      signups.accepted > 0 && minting.accepted > 0,
      `the first signup or key creation was already throttled (signups accepted ${signups.accepted}, keys ${minting.accepted}): nothing shows the throttle is what refused`,
    );
    expect(signups.throttledAt, `signups from one address: 429 within ${MAX_ATTEMPTS}`).not.toBeNull();
    expect(
      minting.throttledAt,
      `create/revoke cycles of one tenant: 429 within ${MAX_ATTEMPTS}`,
    ).not.toBeNull();
  }, 180_000);
});
