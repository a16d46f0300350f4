/** The file `mintoken-harness repro NAME` scaffolds: two tenants, keys, a canary provider key and the sweep at hand. */
export function reproTemplate(name: string): string {
  return `// Repro ${name}: describe the finding in one line here.
// Run: npx mintoken-harness repro ${name} --run   (report.md and replay.json land in repro/${name}/)
import { makeCanary } from '../harness/probes/canary.ts';
import { describe, expect, test } from '../fixtures/repro.ts';
import { createTenant } from '../fixtures/factories.ts';

describe('repro: ${name}', () => {
  test('states what must hold; fails while the bug is there', async ({ target, tenant, apiKey, repro }) => {
    repro.secret(tenant.password, '$PASSWORD');
    // a second tenant, for cross-tenant findings
    const other = await createTenant(target);
    repro.secret(other.password, '$PASSWORD_B');
    const providerKey = makeCanary('openai');
    const response = await target.send('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: \`Bearer \${apiKey.raw_key}\`, 'x-provider-key': providerKey },
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] },
    });
    expect(response.status).toBe(200);
    // replace with the property the target breaks, e.g. another tenant's data in the response:
    expect(response.body).not.toContain(other.userId);
  });
});
`;
}
