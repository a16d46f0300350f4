// Example repro: a key's plaintext must never come back after creation (the planted bug is the raw-key-on-list mutant).
import { describe, expect, test } from '../../fixtures/repro.ts';

describe('repro: the raw key is listed again after creation', () => {
  test('GET /v1/auth/keys never returns raw_key', async ({ target, tenant, apiKey, repro }) => {
    repro.secret(tenant.password, '$PASSWORD');
    const listed = await target.send('/v1/auth/keys', {
      headers: { authorization: `Bearer ${tenant.token}` },
    });
    expect(listed.status).toBe(200);
    expect(listed.body).not.toContain(apiKey.raw_key);
    expect(listed.body).not.toContain('raw_key');
  });
});
