// TENANCY-02: tenant queries run least-privileged — the tenant role is no superuser, has no BYPASSRLS (nor a way to one), owns nothing.

import { inspectorUnavailable, openInspector } from '../../fixtures/database-inspector.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { HarnessError } from '../../harness/errors.ts';
import { readCatalog } from '../../harness/inspect/catalog.ts';
import { auditTenantRole, ROLE_LINTS } from '../../harness/inspect/rls-audit.ts';
import { createScratchObjects } from '../../harness/inspect/scratch-objects.ts';

describe(claimTitle('TENANCY-02'), () => {
  test('flags a BYPASSRLS owner, a superuser and a member of a superuser (positive control)', async ({
    env,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const inspector = await openInspector(env);
    const scratch = await createScratchObjects(inspector.client, inspector.scope.tenantRole);
    try {
      const audit = async (role: string) =>
        auditTenantRole(
          await readCatalog(inspector.client, {
            schemas: [scratch.schema],
            tenantRole: role,
            objectSchemas: [scratch.schema],
          }),
        );
      const cases = [
        { role: scratch.roles.bypassRls, lints: [ROLE_LINTS.bypassRls, ROLE_LINTS.ownsRelation] },
        { role: scratch.roles.superuser, lints: [ROLE_LINTS.superuser] },
        { role: scratch.roles.memberOfSuperuser, lints: [ROLE_LINTS.privilegedMembership] },
      ];
      // one connection runs one query at a time
      const seen = [];
      for (const c of cases) seen.push({ ...c, findings: await audit(c.role) });
      const missed = seen.flatMap((c) =>
        c.lints
          .filter((lint) => !c.findings.some((f) => f.lint === lint))
          .map((lint) => `${lint} on ${c.role}`),
      );
      await evidence.positiveControl('deliberately privileged scratch roles flagged', { seen, missed });
      if (missed.length > 0) {
        throw new HarnessError(
          'HARNESS_ERR_DB_INSPECTOR_BLIND',
          `the tenant-role audit missed ${missed.join(', ')}`,
        );
      }
    } finally {
      await scratch.drop();
      await inspector.close();
    }
  });

  test('runs tenant queries as a role without superuser, BYPASSRLS or ownership', async ({
    env,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const inspector = await openInspector(env);
    try {
      const catalog = await readCatalog(inspector.client, {
        schemas: inspector.schemas,
        tenantRole: inspector.scope.tenantRole,
      });
      const findings = auditTenantRole(catalog);
      await evidence.record(`tenant role ${catalog.role.name}`, {
        role: catalog.role,
        findings,
        note: 'that service-role credentials never reach a client is SECRETS-09',
      });
      expect(catalog.role.exists, `the manifest's tenant role ${catalog.role.name} does not exist`).toBe(
        true,
      );
      expect(findings).toEqual([]);
    } finally {
      await inspector.close();
    }
  });
});
