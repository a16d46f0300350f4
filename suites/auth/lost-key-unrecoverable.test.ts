// AUTH-04: a lost key cannot be recovered, a revoked key dies at once — no GET endpoint returns the raw key; revocation holds on the next request, on any replica.
import { dashboardAssetPaths, dashboardPath } from '../../fixtures/dashboard-page.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, expectJson, TargetClient } from '../../harness/contract/client.ts';
import { CreatedKeySchema, UsageListSchema } from '../../harness/contract/schemas.ts';
import { canaryForms, fingerprint, sweepBuffer } from '../../harness/probes/canary.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/**
 * Every GET endpoint of contract §1, with the ids it needs. The dashboard page comes from the manifest
 * (default /dashboard/keys) and its assets from the page's own HTML, whatever the target calls them.
 */
const API_GET_ENDPOINTS: ReadonlyArray<{ path: (ids: Ids) => string; auth: boolean }> = [
  { path: () => '/health', auth: false },
  { path: () => '/version', auth: false },
  { path: () => '/v1/auth/keys', auth: true },
  { path: (ids: Ids) => `/v1/auth/keys/${ids.keyId}`, auth: true },
  { path: () => '/v1/usage', auth: true },
  { path: (ids: Ids) => `/v1/usage/${ids.usageId}`, auth: true },
  { path: () => '/v1/analytics/summary', auth: true },
  { path: () => '/v1/analytics/by-key', auth: true },
];

interface Ids {
  keyId: string;
  usageId: string;
}

const REPLICA_ROUTES = [
  { name: 'the replica that revoked it', replica: 0 },
  { name: 'a second replica sharing the database', replica: 1 },
] as const;

describe(claimTitle('AUTH-04'), () => {
  test('returns the raw key from no GET endpoint of the contract after creation, on any replica', async ({
    env,
    target,
    tenant,
    providerKey,
    manifest,
    evidence,
    onTestFinished,
  }) => {
    const created = await target.send('/v1/auth/keys', {
      method: 'POST',
      headers: bearer(tenant.token),
      body: {},
    });
    requireStatus(created, 201, 'creating a key (POST /v1/auth/keys)', created.body);
    const key = expectJson(created, 201, CreatedKeySchema);
    const forms = canaryForms(key.raw_key);
    // Positive control: the sweep finds the key where the contract puts it, once.
    const inCreation = sweepBuffer(Buffer.from(created.body), forms);
    await evidence.positiveControl('the raw key is found in the creation response', {
      key: fingerprint(key.raw_key),
      forms: inCreation.map((f) => f.form).slice(0, 5),
    });
    expect(inCreation.length).toBeGreaterThan(0);

    // One proxied request, so usage and analytics hold a row that refers to the key.
    const used = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
    requireStatus(used, 200, 'one proxied request with the new key', used.body);
    const usageResponse = await target.send('/v1/usage', { headers: bearer(tenant.token) });
    requireStatus(usageResponse, 200, 'GET /v1/usage', usageResponse.body);
    const usage = expectJson(usageResponse, 200, UsageListSchema);
    const usageId = usage.usage.find((row) => row.key_id === key.id)?.id;
    precondition(usageId !== undefined, 'GET /v1/usage lists no row of the key just used');
    const ids = { keyId: key.id, usageId };

    // The dashboard page, and every asset its HTML references on the target's origin.
    const pagePath = dashboardPath(manifest);
    const page = await target.send(pagePath);
    requireStatus(page, 200, `the dashboard page GET ${pagePath}`, page.body);
    const endpoints = [
      ...API_GET_ENDPOINTS,
      { path: () => pagePath, auth: false },
      ...dashboardAssetPaths(page.body, pagePath).map((asset) => ({ path: () => asset, auth: false })),
    ];

    const seen = [];
    for (const [index, replica] of env.replicas.entries()) {
      const client = new TargetClient(replica.httpsUrl, env.caPem);
      onTestFinished(() => client.close());
      for (const endpoint of endpoints) {
        const path = endpoint.path(ids);
        const response = await client.send(path, endpoint.auth ? { headers: bearer(tenant.token) } : {});
        seen.push({
          replica: index,
          path: path.replace(key.id, '{key id}').replace(ids.usageId, '{usage id}'),
          status: response.status,
          bytes: response.body.length,
          findings: sweepBuffer(Buffer.from(response.body), forms).map((f) => f.form),
        });
      }
    }
    await evidence.record('every GET endpoint swept for the raw key', {
      key: fingerprint(key.raw_key),
      seen,
    });
    // The key in any body is the finding; an endpoint that did not answer 200 leaves the sweep incomplete.
    for (const entry of seen) {
      expect(entry.findings, `${entry.path} on replica ${entry.replica}`).toEqual([]);
    }
    for (const entry of seen) {
      precondition(
        entry.status === 200,
        `GET ${entry.path} on replica ${entry.replica} answered ${entry.status}, so the sweep missed its body`,
      );
    }
  });

  test.for(REPLICA_ROUTES)(
    'refuses a revoked key on the very next request through $name',
    async (route, { env, target, tenant, providerKey, evidence, onTestFinished }) => {
      if (env.replicas.length <= route.replica) {
        return evidence.notAssessed(
          `the environment runs ${env.replicas.length} replica(s); this check needs ${route.replica + 1}`,
        );
      }
      const clients = env.replicas.map((replica) => {
        const client = new TargetClient(replica.httpsUrl, env.caPem);
        onTestFinished(() => client.close());
        return client;
      });
      const minted = await target.send('/v1/auth/keys', {
        method: 'POST',
        headers: bearer(tenant.token),
        body: {},
      });
      requireStatus(minted, 201, 'creating a key (POST /v1/auth/keys)', minted.body);
      const key = expectJson(minted, 201, CreatedKeySchema);
      // Used through every replica first: whatever a replica may keep about a key, it now has.
      const before = [];
      for (const client of clients) {
        before.push((await sendChat(client, 'openai', { apiKey: key.raw_key, providerKey })).status);
      }
      const revoked = await clients[0]!.send(`/v1/auth/keys/${key.id}`, {
        method: 'DELETE',
        headers: bearer(tenant.token),
      });
      const next = await sendChat(clients[route.replica]!, 'openai', { apiKey: key.raw_key, providerKey });
      await evidence.positiveControl('the key was served by every replica right before it was revoked', {
        key: fingerprint(key.raw_key),
        statuses: before,
      });
      await evidence.record(`next request through ${route.name}`, {
        revokeStatus: revoked.status,
        nextStatus: next.status,
        nextBody: next.body.slice(0, 200),
      });
      precondition(
        before.every((status) => status === 200),
        `the key was not served by every replica before revocation (statuses ${before.join(', ')})`,
      );
      requireStatus(revoked, 204, 'revoking the key (DELETE /v1/auth/keys/{id})', revoked.body);
      expect(next.status).toBe(401);
    },
  );
});
