// AUTH-03: the plaintext key is shown exactly once — only the creation response holds raw_key (API part).

import { keyName } from '../../fixtures/factories.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { CreatedKeySchema } from '../../harness/contract/schemas.ts';
import { canaryForms, fingerprint, sweepBuffer } from '../../harness/probes/canary.ts';

/** Every later response a tenant can get about its keys, usage and analytics (contract §1 GET/PATCH endpoints). */
const LATER_READS = [
  { name: 'list keys', method: 'GET', path: () => '/v1/auth/keys' },
  { name: 'read key by id', method: 'GET', path: (id: string) => `/v1/auth/keys/${id}` },
  { name: 'patch key', method: 'PATCH', path: (id: string) => `/v1/auth/keys/${id}` },
  { name: 'usage', method: 'GET', path: () => '/v1/usage' },
  { name: 'analytics summary', method: 'GET', path: () => '/v1/analytics/summary' },
  { name: 'analytics by key', method: 'GET', path: () => '/v1/analytics/by-key' },
] as const;

describe(claimTitle('AUTH-03'), () => {
  test('returns raw_key in the creation response, with a key_prefix of its first 12 characters', async ({
    target,
    tenant,
    evidence,
  }) => {
    const response = await target.send('/v1/auth/keys', {
      method: 'POST',
      headers: bearer(tenant.token),
      body: { name: keyName() },
    });
    expect(response.status).toBe(201);
    const created = CreatedKeySchema.parse(JSON.parse(response.body));
    // Positive control for the sweep below: it finds the key where the contract says it must be.
    expect(sweepBuffer(Buffer.from(response.body), canaryForms(created.raw_key)).length).toBeGreaterThan(0);
    expect(created.key_prefix).toBe(created.raw_key.slice(0, 12));
    await evidence.positiveControl('raw key found in the creation response', {
      key: fingerprint(created.raw_key),
      key_prefix: created.key_prefix,
      cacheControl: response.headers['cache-control'] ?? null,
    });
  });

  test('shows at most key_prefix on every later API response', async ({
    target,
    tenant,
    apiKey,
    providerKey,
    evidence,
  }) => {
    // Use the key once, so usage and analytics have a row that refers to it.
    expect((await sendChat(target, 'openai', { apiKey: apiKey.raw_key, providerKey })).status).toBe(200);
    const forms = canaryForms(apiKey.raw_key);
    const seen = [];
    for (const read of LATER_READS) {
      const response = await target.send(read.path(apiKey.id), {
        method: read.method,
        headers: bearer(tenant.token),
        ...(read.method === 'PATCH' ? { body: { name: keyName() } } : {}),
      });
      const findings = sweepBuffer(Buffer.from(response.body), forms);
      seen.push({
        read: read.name,
        status: response.status,
        rawKeyField: response.body.includes('"raw_key"'),
        findings,
      });
    }
    await evidence.record('later responses swept for the raw key', {
      key: fingerprint(apiKey.raw_key),
      seen,
    });
    for (const entry of seen) {
      expect(entry, entry.read).toMatchObject({ status: 200, rawKeyField: false, findings: [] });
    }
  });
});
