// TENANCY-01: every application table enforces RLS — a catalog audit of the manifest's schemas, calibrated on deliberately bad tables.

import { type Inspector, inspectorUnavailable, openInspector } from '../../fixtures/database-inspector.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { HarnessError } from '../../harness/errors.ts';
import { readCatalog } from '../../harness/inspect/catalog.ts';
import { auditPermissiveReads, auditRowLevelSecurity, RLS_LINTS } from '../../harness/inspect/rls-audit.ts';
import { createScratchObjects } from '../../harness/inspect/scratch-objects.ts';
import { precondition } from '../../harness/verdict.ts';

async function withInspector<T>(
  env: EnvironmentInfo,
  work: (inspector: Inspector) => Promise<T>,
): Promise<T> {
  const inspector = await openInspector(env);
  try {
    return await work(inspector);
  } finally {
    await inspector.close();
  }
}

const LINT_GROUPS = [
  { name: 'enables RLS on every table', lints: [RLS_LINTS.rlsDisabled, RLS_LINTS.policyButRlsDisabled] },
  { name: 'forces RLS wherever the tenant role owns the table', lints: [RLS_LINTS.notForcedForRuntimeOwner] },
  { name: 'has a policy for every command', lints: [RLS_LINTS.rlsNoPolicy, RLS_LINTS.noPolicyForCommand] },
  { name: 'gives every INSERT and UPDATE policy a WITH CHECK', lints: [RLS_LINTS.writePolicyWithoutCheck] },
];

describe(claimTitle('TENANCY-01'), () => {
  test('flags every deliberately bad table of a scratch schema (positive control)', async ({
    env,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    await withInspector(env, async ({ client, scope }) => {
      const scratch = await createScratchObjects(client, scope.tenantRole);
      try {
        const catalog = await readCatalog(client, {
          schemas: [scratch.schema],
          tenantRole: scope.tenantRole,
          objectSchemas: [scratch.schema],
        });
        const findings = auditRowLevelSecurity(catalog);
        const expected = [
          { lint: RLS_LINTS.rlsDisabled, object: scratch.expected.rlsDisabled },
          { lint: RLS_LINTS.policyButRlsDisabled, object: scratch.expected.rlsDisabled },
          { lint: RLS_LINTS.notForcedForRuntimeOwner, object: scratch.expected.notForcedForRuntimeOwner },
          { lint: RLS_LINTS.rlsNoPolicy, object: scratch.expected.noPolicy },
          { lint: RLS_LINTS.noPolicyForCommand, object: scratch.expected.missingCommands },
          { lint: RLS_LINTS.writePolicyWithoutCheck, object: scratch.expected.updateWithoutCheck },
        ];
        const missed = expected.filter(
          (e) => !findings.some((f) => f.lint === e.lint && f.object === e.object),
        );
        await evidence.positiveControl('deliberately bad tables flagged', {
          schema: scratch.schema,
          findings,
          missed,
        });
        if (missed.length > 0) {
          throw new HarnessError(
            'HARNESS_ERR_DB_INSPECTOR_BLIND',
            `the RLS audit missed ${missed.map((m) => `${m.lint} on ${m.object}`).join(', ')}`,
          );
        }
      } finally {
        await scratch.drop();
      }
    });
  });

  test.for(LINT_GROUPS)("$name in the manifest's schemas", async ({ name, lints }, { env, evidence }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    await withInspector(env, async ({ client, scope, schemas }) => {
      const catalog = await readCatalog(client, { schemas, tenantRole: scope.tenantRole });
      const findings = auditRowLevelSecurity(catalog).filter((f) =>
        (lints as readonly string[]).includes(f.lint),
      );
      await evidence.record(name, {
        schemas,
        tenantRole: scope.tenantRole,
        tables: catalog.tables,
        policies: catalog.policies.map((p) => ({
          table: `${p.schema}.${p.table}`,
          name: p.name,
          command: p.command,
          roles: p.roles,
          using: p.using,
          withCheck: p.withCheck,
        })),
        findings,
        // informational here: whether such a policy leaks is decided by TENANCY-03's rows check
        permissiveReads: auditPermissiveReads(catalog),
      });
      // an audit of nothing proves nothing: the schemas must hold the application's tables
      // no table at all: the manifest's schemas are likely wrong, and there is nothing to judge
      precondition(
        catalog.tables.length > 0,
        `no table in the manifest's schemas ${schemas.join(', ')}: check database.schemas`,
      );
      expect(findings).toEqual([]);
    });
  });
});
