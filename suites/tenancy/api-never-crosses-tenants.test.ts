// TENANCY-04: the API never crosses tenants — another tenant's key id is never read, changed or revoked.

import { createTenant } from '../../fixtures/factories.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, expectJson } from '../../harness/contract/client.ts';
import { KeyObjectSchema } from '../../harness/contract/schemas.ts';

/** Another tenant's id must look like an id that does not exist. */
const REFUSED = [403, 404];

describe(claimTitle('TENANCY-04'), () => {
  test('reads a key by id for its own tenant (positive control)', async ({
    target,
    tenant,
    apiKey,
    evidence,
  }) => {
    const response = await target.send(`/v1/auth/keys/${apiKey.id}`, { headers: bearer(tenant.token) });
    const key = expectJson(response, 200, KeyObjectSchema);
    expect(key.id).toBe(apiKey.id);
    await evidence.positiveControl('owner reads its key by id', {
      status: response.status,
      keyId: apiKey.id,
    });
  });

  test.for([
    { op: 'read', method: 'GET' },
    { op: 'patch', method: 'PATCH' },
    { op: 'delete', method: 'DELETE' },
  ] as const)(
    "refuses to $op another tenant's key by id and changes nothing",
    async ({ op, method }, { target, tenant, apiKey, evidence }) => {
      const intruder = await createTenant(target);
      const ownerView = () => target.send(`/v1/auth/keys/${apiKey.id}`, { headers: bearer(tenant.token) });
      const before = expectJson(await ownerView(), 200, KeyObjectSchema);
      const response = await target.send(`/v1/auth/keys/${apiKey.id}`, {
        method,
        headers: bearer(intruder.token),
        ...(method === 'PATCH' ? { body: { name: 'taken-over', intensity: 'ultra' } } : {}),
      });
      const after = expectJson(await ownerView(), 200, KeyObjectSchema);
      await evidence.record(`intruder ${op} of the owner's key id`, {
        status: response.status,
        keyId: apiKey.id,
        bodyMentionsPrefix: response.body.includes(apiKey.key_prefix),
        changed: JSON.stringify(before) !== JSON.stringify(after),
      });
      expect(REFUSED).toContain(response.status);
      expect(response.body).not.toContain(apiKey.key_prefix);
      expect(after).toEqual(before);
    },
  );
});
