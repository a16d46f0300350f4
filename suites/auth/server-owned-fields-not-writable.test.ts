// AUTH-13: clients cannot set server-owned fields — signup `plan`, key PATCH `is_active`/`key_prefix`/`user_id`/`created_at` are refused or ignored.
import { randomUUID } from 'node:crypto';
import { createTenant, keyName } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

type KeyObject = Record<string, unknown>;

async function getKey(target: TargetClient, token: string, id: string) {
  const response = await target.send(`/v1/auth/keys/${id}`, { headers: bearer(token) });
  let body: KeyObject | null = null;
  try {
    body = JSON.parse(response.body) as KeyObject;
  } catch {
    body = null;
  }
  return { status: response.status, key: body };
}

/** The quota a key's plan gives, from `RateLimit-Policy: "key";q=<quota>` (contract §1). */
function quotaOf(headers: Record<string, string>): number | null {
  const match = /q=(\d+)/.exec(headers['ratelimit-policy'] ?? '');
  return match ? Number(match[1]) : null;
}

describe(claimTitle('AUTH-13'), () => {
  test('a key PATCH cannot change is_active, key_prefix, user_id or created_at, nor revive a revoked key', async ({
    target,
    tenant,
    evidence,
  }) => {
    const other = await createTenant(target);
    const created = await target.createKey(tenant.token, { name: keyName() });
    const before = await getKey(target, tenant.token, created.id);
    requireStatus(before, 200, 'reading the new key (GET /v1/auth/keys/{id})', before.key);
    // Positive control: a PATCH of a client-owned field is applied and the later GET shows it.
    const renamed = keyName();
    const rename = await target.send(`/v1/auth/keys/${created.id}`, {
      method: 'PATCH',
      headers: bearer(tenant.token),
      body: { name: renamed },
    });
    requireStatus(rename, 200, 'renaming the key (PATCH /v1/auth/keys/{id} {name})', rename.body);
    const afterRename = await getKey(target, tenant.token, created.id);
    await evidence.positiveControl('a PATCH of `name` is applied and a later GET shows it', {
      patchStatus: rename.status,
      nameApplied: afterRename.key?.name === renamed,
    });
    precondition(
      afterRename.key?.name === renamed,
      'a PATCH of `name` answered 200 but a later GET does not show the new name: this target does not apply PATCHes, so ignored fields prove nothing',
    );

    const attempts: Array<{ field: string; value: unknown }> = [
      { field: 'key_prefix', value: 'mt_live_HACK' },
      { field: 'created_at', value: '2001-01-01T00:00:00.000Z' },
      { field: 'user_id', value: other.userId },
    ];
    const seen = [];
    for (const { field, value } of attempts) {
      const patch = await target.send(`/v1/auth/keys/${created.id}`, {
        method: 'PATCH',
        headers: bearer(tenant.token),
        body: { [field]: value },
      });
      const owner = await getKey(target, tenant.token, created.id);
      const foreign = await getKey(target, other.token, created.id);
      seen.push({
        field,
        patchStatus: patch.status,
        ownerGet: owner.status,
        unchanged: owner.key?.[field] === before.key?.[field],
        otherTenantGet: foreign.status,
      });
    }
    // A revoked key: is_active:true must not bring it back, in the key object or on the proxy.
    const victim = await target.createKey(tenant.token, { name: keyName() });
    const revoked = await target.send(`/v1/auth/keys/${victim.id}`, {
      method: 'DELETE',
      headers: bearer(tenant.token),
    });
    requireStatus(revoked, 204, 'revoking a key (DELETE /v1/auth/keys/{id})', revoked.body);
    const revive = await target.send(`/v1/auth/keys/${victim.id}`, {
      method: 'PATCH',
      headers: bearer(tenant.token),
      body: { is_active: true },
    });
    const afterRevive = await getKey(target, tenant.token, victim.id);
    const proxied = await sendChat(target, 'openai', {
      apiKey: victim.raw_key,
      providerKey: `sk-proj-auth13-${randomUUID()}`,
    });
    const live = await sendChat(target, 'openai', {
      apiKey: created.raw_key,
      providerKey: `sk-proj-auth13-${randomUUID()}`,
    });
    await evidence.positiveControl('an active key of the same tenant is served on the proxy', {
      status: live.status,
    });
    await evidence.record('PATCHes of server-owned fields', {
      key: fingerprint(created.raw_key),
      seen,
      revival: {
        patchStatus: revive.status,
        getStatus: afterRevive.status,
        isActive: afterRevive.key?.is_active ?? null,
        proxyStatus: proxied.status,
      },
    });
    requireStatus(live, 200, 'a proxy request with an active key', live.body);
    for (const entry of seen) {
      expect(entry.ownerGet, `after PATCH {${entry.field}} the owner's GET`).toBe(200);
      expect(entry.unchanged, `PATCH {${entry.field}} changed the key's ${entry.field}`).toBe(true);
      expect(entry.otherTenantGet, `after PATCH {user_id} another tenant`).not.toBe(200);
    }
    // a revoked key may be hidden (404) or shown inactive; it is never active again
    if (afterRevive.status === 200)
      expect(afterRevive.key?.is_active, 'is_active of a revoked key').toBe(false);
    expect(proxied.status, 'the revoked key on the proxy after PATCH {is_active:true}').toBe(401);
  });

  test('a signup that names a plan is refused, or gets the plan every fresh signup gets', async ({
    target,
    manifest,
    evidence,
  }) => {
    const email = `auth13.${randomUUID().slice(0, 8)}@example.test`;
    const password = `Auth13-${randomUUID()}`;
    const signup = await target.send('/v1/auth/signup', {
      method: 'POST',
      body: { email, password, plan: 'enterprise' },
    });
    await evidence.record('signup with {plan: "enterprise"}', { status: signup.status });
    if (signup.status >= 400 && signup.status < 500 && signup.status !== 429) {
      await evidence.positiveControl('the signup without `plan` is accepted (every other test signs up so)', {
        refusedWithPlan: signup.status,
      });
      const control = await createTenant(target);
      precondition(control.userId.length > 0, 'a plain signup did not give a user id');
      return;
    }
    requireStatus(signup, 201, 'signing up (POST /v1/auth/signup with an extra `plan`)', signup.body);
    if (manifest.limits?.rateLimitRequests !== undefined) {
      return evidence.notAssessed(
        'the manifest sets one rate limit for every plan (limits.rateLimitRequests), so the plan a signup got cannot be seen in its quota',
      );
    }
    const login = await target.login(email, password);
    const control = await createTenant(target);
    const probeKey = await target.createKey(login.access_token, { name: keyName() });
    const controlKey = await target.createKey(control.token, { name: keyName() });
    const probe = await sendChat(target, 'openai', {
      apiKey: probeKey.raw_key,
      providerKey: 'sk-proj-auth13',
    });
    const plain = await sendChat(target, 'openai', {
      apiKey: controlKey.raw_key,
      providerKey: 'sk-proj-auth13',
    });
    requireStatus(plain, 200, 'a proxy request of a plainly signed-up tenant', plain.body);
    const controlQuota = quotaOf(plain.headers);
    precondition(
      controlQuota !== null,
      'the proxy answer carries no RateLimit-Policy quota to compare plans by',
    );
    await evidence.positiveControl("a plain signup's key shows its plan's quota", { quota: controlQuota });
    await evidence.record('quota of the key of the signup that named a plan', {
      status: probe.status,
      quota: quotaOf(probe.headers),
    });
    expect(quotaOf(probe.headers), 'the quota of a signup that asked for the enterprise plan').toBe(
      controlQuota,
    );
  });
});
