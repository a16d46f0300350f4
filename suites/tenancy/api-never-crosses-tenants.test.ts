// TENANCY-04: the API never crosses tenants — in an A×B matrix of faker tenants, another tenant's keys and usage rows are never read, changed or revoked.

import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { createTenant } from '../../fixtures/factories.ts';
import { type SeededTenant, seedTenant } from '../../fixtures/tenant-data.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, expectJson, type TargetClient } from '../../harness/contract/client.ts';
import { KeyListSchema, KeyObjectSchema, UsageListSchema } from '../../harness/contract/schemas.ts';
import { FOREIGN_ID_STATUSES, requireStatus } from '../../harness/verdict.ts';

/** Another tenant's id must look like an id that does not exist, or be forbidden (§1: 404 or 403). */
const REFUSED = FOREIGN_ID_STATUSES;
/** A mangled spelling of an id may also be refused as malformed. */
const REFUSED_OR_MALFORMED = [400, ...REFUSED];
const MATRIX_TENANTS = 5;
const PROPERTY_TENANTS = 3;
const PROPERTY_RUNS = 40;

const SummarySchema = z.object({
  total_requests: z.number(),
  total_input_tokens: z.number(),
  total_output_tokens: z.number(),
});
const ByKeySchema = z.object({ keys: z.array(z.object({ key_id: z.string(), requests: z.number() })) });

interface Operation {
  op: string;
  method: 'GET' | 'PATCH' | 'DELETE';
  /** the id of the victim's object this operation names */
  idOf(victim: SeededTenant): string;
  path(id: string): string;
  body?: object;
  /** what in a response would show the victim's object */
  markers(victim: SeededTenant): string[];
}

const keyMarkers = (victim: SeededTenant) => victim.keys.flatMap((k) => [k.key_prefix, k.name ?? k.id]);
const OPERATIONS: Operation[] = [
  {
    op: 'read key',
    method: 'GET',
    idOf: (v) => v.keys[0]!.id,
    path: (id) => `/v1/auth/keys/${id}`,
    markers: keyMarkers,
  },
  {
    op: 'patch key',
    method: 'PATCH',
    idOf: (v) => v.keys[0]!.id,
    path: (id) => `/v1/auth/keys/${id}`,
    body: { name: 'taken-over', intensity: 'ultra' },
    markers: keyMarkers,
  },
  {
    op: 'delete key',
    method: 'DELETE',
    idOf: (v) => v.keys[0]!.id,
    path: (id) => `/v1/auth/keys/${id}`,
    markers: keyMarkers,
  },
  {
    op: 'read usage row',
    method: 'GET',
    idOf: (v) => v.usageIds[0]!,
    path: (id) => `/v1/usage/${id}`,
    // a usage row names its key; the key ids are in no URL of this operation
    markers: (v) => v.keys.map((k) => k.id),
  },
];

/** Ways to write the same id that a lookup might normalise differently than an ownership check. */
const SPELLINGS: { name: string; spell(id: string): string }[] = [
  { name: 'as is', spell: (id) => id },
  { name: 'upper case', spell: (id) => id.toUpperCase() },
  { name: 'percent-encoded hyphens', spell: (id) => id.replaceAll('-', '%2D') },
  {
    name: 'percent-encoded throughout',
    spell: (id) => [...id].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
  },
  { name: 'with a query string', spell: (id) => `${id}?user_id=self` },
  { name: 'with a trailing slash', spell: (id) => `${id}/` },
];

/** Everything a tenant sees of itself through the contract, in a form that compares before and after. */
async function ownerView(target: TargetClient, seeded: SeededTenant): Promise<string> {
  const get = (path: string) => target.send(path, { headers: bearer(seeded.tenant.token) });
  const keys = expectJson(await get('/v1/auth/keys'), 200, KeyListSchema).keys;
  const usage = expectJson(await get('/v1/usage?limit=500'), 200, UsageListSchema).usage;
  const summary = SummarySchema.parse(JSON.parse((await get('/v1/analytics/summary')).body));
  const byKey = ByKeySchema.parse(JSON.parse((await get('/v1/analytics/by-key')).body));
  return JSON.stringify({
    keys: [...keys].sort((x, y) => x.id.localeCompare(y.id)),
    usage: [...usage].sort((x, y) => x.id.localeCompare(y.id)),
    summary: {
      requests: summary.total_requests,
      input: summary.total_input_tokens,
      output: summary.total_output_tokens,
    },
    byKey: [...byKey.keys].sort((x, y) => x.key_id.localeCompare(y.key_id)),
  });
}

async function seedTenants(target: TargetClient, count: number): Promise<SeededTenant[]> {
  return Promise.all(Array.from({ length: count }, () => seedTenant(target)));
}

interface Attempt {
  attacker: number;
  victim: number;
  op: string;
  spelling: string;
  status: number;
  leaked: boolean;
}

async function attack(
  target: TargetClient,
  tenants: readonly SeededTenant[],
  cell: { attacker: number; victim: number; operation: Operation; spelling: (typeof SPELLINGS)[number] },
): Promise<Attempt> {
  const attacker = tenants[cell.attacker]!;
  const victim = tenants[cell.victim]!;
  const response = await target.send(cell.operation.path(cell.spelling.spell(cell.operation.idOf(victim))), {
    method: cell.operation.method,
    headers: bearer(attacker.tenant.token),
    ...(cell.operation.body ? { body: cell.operation.body } : {}),
  });
  return {
    attacker: cell.attacker,
    victim: cell.victim,
    op: cell.operation.op,
    spelling: cell.spelling.name,
    status: response.status,
    leaked: cell.operation.markers(victim).some((marker) => response.body.includes(marker)),
  };
}

async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(run))));
  return out;
}

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
      const first = await ownerView();
      requireStatus(first, 200, "the owner's read of its own key", first.body);
      const before = expectJson(first, 200, KeyObjectSchema);
      const response = await target.send(`/v1/auth/keys/${apiKey.id}`, {
        method,
        headers: bearer(intruder.token),
        ...(method === 'PATCH' ? { body: { name: 'taken-over', intensity: 'ultra' } } : {}),
      });
      // what the owner sees afterwards is part of the finding: a key gone or changed is a breach, not a crash
      const again = await ownerView();
      const parsed = again.status === 200 ? KeyObjectSchema.safeParse(JSON.parse(again.body)) : null;
      const after = parsed?.success ? parsed.data : { status: again.status, body: again.body.slice(0, 200) };
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

  test(`refuses every cross-tenant read, patch and delete in the A×B matrix of ${MATRIX_TENANTS} tenants and changes nothing`, async ({
    target,
    evidence,
  }) => {
    const tenants = await seedTenants(target, MATRIX_TENANTS);
    const before = await Promise.all(tenants.map((t) => ownerView(target, t)));
    const cells = tenants.flatMap((_, attacker) =>
      tenants.flatMap((__, victim) =>
        attacker === victim
          ? []
          : OPERATIONS.map((operation) => ({ attacker, victim, operation, spelling: SPELLINGS[0]! })),
      ),
    );
    const attempts = await inBatches(cells, 8, (cell) => attack(target, tenants, cell));
    const after = await Promise.all(tenants.map((t) => ownerView(target, t)));
    const changed = tenants.flatMap((t, i) => (before[i] === after[i] ? [] : [t.tenant.userId]));
    const violations = attempts.filter((a) => !REFUSED.includes(a.status) || a.leaked);
    await evidence.record(
      `${MATRIX_TENANTS}×${MATRIX_TENANTS - 1} ordered pairs × ${OPERATIONS.length} operations`,
      {
        tenants: tenants.map((t) => t.tenant.userId),
        attempts: attempts.length,
        statuses: Object.fromEntries(
          [...new Set(attempts.map((a) => a.status))].map((status) => [
            status,
            attempts.filter((a) => a.status === status).length,
          ]),
        ),
        violations,
        tenantsWhoseViewChanged: changed,
      },
    );
    expect(attempts.length).toBe(MATRIX_TENANTS * (MATRIX_TENANTS - 1) * OPERATIONS.length);
    expect(violations).toEqual([]);
    expect(changed).toEqual([]);
  });

  test('shows each tenant only its own keys, usage rows and analytics in every list', async ({
    target,
    evidence,
  }) => {
    const tenants = await seedTenants(target, MATRIX_TENANTS);
    const seen = await Promise.all(
      tenants.map(async (t) => {
        const view = JSON.parse(await ownerView(target, t)) as {
          keys: { id: string }[];
          usage: { id: string; key_id: string }[];
          summary: { requests: number };
          byKey: { key_id: string }[];
        };
        const ownKeys = t.keys.map((k) => k.id).sort();
        return {
          tenant: t.tenant.userId,
          keysListed: view.keys.map((k) => k.id).sort(),
          ownKeys,
          foreignUsage: view.usage.filter((u) => !t.usageIds.includes(u.id) || !ownKeys.includes(u.key_id))
            .length,
          usageListed: view.usage.length,
          summaryRequests: view.summary.requests,
          foreignByKey: view.byKey.filter((k) => !ownKeys.includes(k.key_id)).length,
          ownUsage: t.usageIds.length,
        };
      }),
    );
    await evidence.record("each tenant's lists and analytics", { seen });
    for (const s of seen) {
      expect(s.keysListed, `keys listed to ${s.tenant}`).toEqual(s.ownKeys);
      expect(s.foreignUsage, `usage rows of others listed to ${s.tenant}`).toBe(0);
      expect(s.usageListed).toBe(s.ownUsage);
      expect(s.summaryRequests, `requests counted for ${s.tenant}`).toBe(s.ownUsage);
      expect(s.foreignByKey, `keys of others in ${s.tenant}'s by-key analytics`).toBe(0);
    }
  });

  test('refuses cross-tenant ids in any spelling for pairs and operations fast-check chooses (seed in the evidence)', async ({
    target,
    evidence,
  }) => {
    const seed = Number(process.env.HARNESS_FC_SEED ?? randomInt(2 ** 31 - 1));
    await evidence.record('fast-check seed (HARNESS_FC_SEED=<seed> replays this run)', {
      seed,
      runs: PROPERTY_RUNS,
    });
    const tenants = await seedTenants(target, PROPERTY_TENANTS);
    const before = await Promise.all(tenants.map((t) => ownerView(target, t)));
    const attempts: Attempt[] = [];
    const cell = fc.record({
      attacker: fc.integer({ min: 0, max: PROPERTY_TENANTS - 1 }),
      offset: fc.integer({ min: 1, max: PROPERTY_TENANTS - 1 }),
      operation: fc.constantFrom(...OPERATIONS),
      spelling: fc.constantFrom(...SPELLINGS),
    });
    let failure: string | null = null;
    try {
      await fc.assert(
        fc.asyncProperty(cell, async ({ attacker, offset, operation, spelling }) => {
          const attempt = await attack(target, tenants, {
            attacker,
            victim: (attacker + offset) % PROPERTY_TENANTS,
            operation,
            spelling,
          });
          attempts.push(attempt);
          return REFUSED_OR_MALFORMED.includes(attempt.status) && !attempt.leaked;
        }),
        { seed, numRuns: PROPERTY_RUNS },
      );
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const after = await Promise.all(tenants.map((t) => ownerView(target, t)));
    const changed = tenants.flatMap((t, i) => (before[i] === after[i] ? [] : [t.tenant.userId]));
    await evidence.record('property run', {
      seed,
      attempts: attempts.length,
      bySpelling: Object.fromEntries(
        SPELLINGS.map((s) => [s.name, attempts.filter((a) => a.spelling === s.name).map((a) => a.status)]),
      ),
      failure,
      tenantsWhoseViewChanged: changed,
    });
    expect(failure, `fast-check seed ${seed}`).toBeNull();
    expect(changed).toEqual([]);
  });
});
