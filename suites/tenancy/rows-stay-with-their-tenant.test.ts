// TENANCY-03: one user's queries never return another's rows — as the tenant role with A's context every table holds only A's rows, B's rows can't be written, and no context means no rows.

import { inspectorUnavailable, openInspector } from '../../fixtures/database-inspector.ts';
import { type SeededTenant, seedTenant } from '../../fixtures/tenant-data.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { TargetClient } from '../../harness/contract/client.ts';
import { HarnessError } from '../../harness/errors.ts';
import { describeIdentity, type TenantIdentity } from '../../harness/inspect/admin-session.ts';
import { readCatalog } from '../../harness/inspect/catalog.ts';
import { auditPermissiveReads } from '../../harness/inspect/rls-audit.ts';
import {
  attemptForeignWrites,
  classifyRows,
  countRowsAs,
  countRowsAsAdmin,
  countRowsHolding,
  readTablesAs,
} from '../../harness/inspect/row-isolation.ts';

/** Two faker tenants with keys and usage rows made through the API. */
async function twoTenants(target: TargetClient): Promise<[SeededTenant, SeededTenant]> {
  return Promise.all([seedTenant(target, { keys: 2 }), seedTenant(target, { keys: 2 })]);
}

const NO_CONTEXT: { name: string; identity: TenantIdentity }[] = [
  { name: 'the setting never set', identity: { none: 'unset' } },
  { name: 'the setting set to an empty string', identity: { none: 'empty' } },
  { name: 'claims of a signed-in role without a subject', identity: { none: 'no-subject' } },
];

describe(claimTitle('TENANCY-03'), () => {
  test("returns only A's rows from every table to the tenant role with A's context", async ({
    env,
    target,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const [a, b] = await twoTenants(target);
    const inspector = await openInspector(env);
    try {
      const catalog = await readCatalog(inspector.client, {
        schemas: inspector.schemas,
        tenantRole: inspector.scope.tenantRole,
      });
      const seen = await readTablesAs(
        inspector.client,
        inspector.scope,
        { userId: a.ids.userId },
        catalog.tables,
      );
      const perTable = seen.map((s) => ({
        table: s.table,
        columns: s.columns,
        error: s.error,
        ...classifyRows(s.rows, a.ids, b.ids),
      }));
      // positive control: B's rows are really there for a leak to show, and the probe reads A's own rows
      const bRowsAsAdmin = await countRowsHolding(inspector.client, catalog.tables, b.ids.identifiers);
      const ownSeen = perTable.reduce((sum, t) => sum + t.own, 0);
      await evidence.positiveControl("B's rows exist, and A's context shows A its own rows", {
        tenantA: a.ids.userId,
        tenantB: b.ids.userId,
        bRowsAsAdmin,
        ownRowsSeenByA: ownSeen,
      });
      if (ownSeen === 0 || bRowsAsAdmin.every((t) => t.rows === 0)) {
        throw new HarnessError(
          'HARNESS_ERR_DB_INSPECTOR_BLIND',
          `the probe saw ${ownSeen} of A's rows as A and ${bRowsAsAdmin.reduce((s, t) => s + t.rows, 0)} of B's as the admin: is database.tenantContext right?`,
        );
      }
      await evidence.record("every table read as the tenant role with A's context", {
        perTable: perTable.map((t) => ({
          table: t.table,
          readableColumns: t.columns.length,
          own: t.own,
          foreign: t.foreign.length,
          unattributed: t.unattributed.length,
          error: t.error,
        })),
        permissiveReadPolicies: auditPermissiveReads(catalog),
      });
      for (const t of perTable) {
        expect(t.foreign.length, `${t.table}: rows of tenant B visible to A`).toBe(0);
        expect(t.unattributed.length, `${t.table}: rows that are not A's visible to A`).toBe(0);
      }
    } finally {
      await inspector.close();
    }
  });

  test("refuses A's updates, deletes and inserts of B's rows, and A handing its rows to B", async ({
    env,
    target,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const [a, b] = await twoTenants(target);
    const inspector = await openInspector(env);
    try {
      const catalog = await readCatalog(inspector.client, {
        schemas: inspector.schemas,
        tenantRole: inspector.scope.tenantRole,
      });
      const writes = [];
      for (const table of catalog.tables) {
        writes.push(...(await attemptForeignWrites(inspector.client, inspector.scope, table, a.ids, b.ids)));
      }
      const conclusive = writes.filter((w) => !w.inconclusive);
      await evidence.positiveControl('the same writes as the admin hit a row', {
        conclusive: conclusive.map((w) => `${w.table} ${w.write}`),
        inconclusive: writes
          .filter((w) => w.inconclusive)
          .map((w) => ({ table: w.table, write: w.write, control: w.control })),
      });
      for (const kind of ['update', 'delete', 'insert', 'reassign'] as const) {
        if (!conclusive.some((w) => w.write === kind)) {
          throw new HarnessError(
            'HARNESS_ERR_DB_INSPECTOR_BLIND',
            `no table gave a conclusive ${kind} control: the write probe proves nothing for ${kind}`,
          );
        }
      }
      await evidence.record("A's writes of B's rows, as the tenant role with A's context", {
        writes: writes.map((w) => ({
          table: w.table,
          write: w.write,
          tenant: w.tenant,
          breached: w.breached,
        })),
      });
      expect(writes.filter((w) => w.breached).map((w) => `${w.table} ${w.write}`)).toEqual([]);
    } finally {
      await inspector.close();
    }
  });

  test.for(NO_CONTEXT)(
    'returns zero rows from every table with no tenant context: $name',
    async ({ identity }, { env, target, evidence }) => {
      const unavailable = inspectorUnavailable(env);
      if (unavailable !== null) return evidence.notAssessed(unavailable);
      await seedTenant(target);
      const inspector = await openInspector(env);
      try {
        const catalog = await readCatalog(inspector.client, {
          schemas: inspector.schemas,
          tenantRole: inspector.scope.tenantRole,
        });
        const asAdmin = await countRowsAsAdmin(inspector.client, catalog.tables);
        const asTenant = await countRowsAs(inspector.client, inspector.scope, identity, catalog.tables);
        await evidence.positiveControl('the admin counts rows in the same tables', { asAdmin });
        if (asAdmin.every((t) => t.rows === 0)) {
          throw new HarnessError(
            'HARNESS_ERR_DB_INSPECTOR_BLIND',
            'every table is empty: zero rows would prove nothing',
          );
        }
        await evidence.record(
          `row counts as ${inspector.scope.tenantRole} with ${describeIdentity(identity)}`,
          { asTenant },
        );
        for (const t of asTenant) expect(t.rows, `${t.table} returned rows without a tenant`).toBe(0);
      } finally {
        await inspector.close();
      }
    },
  );
});
