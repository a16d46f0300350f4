// TENANCY-02: tenant queries run least-privileged — the tenant role is no superuser, has no BYPASSRLS (nor a way to one), owns nothing; and the target's own statements under a tenant context really run as such a role.

import { inspectorUnavailable, openInspector } from '../../fixtures/database-inspector.ts';
import { seedTenant } from '../../fixtures/tenant-data.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { HarnessError } from '../../harness/errors.ts';
import { readCatalog } from '../../harness/inspect/catalog.ts';
import { auditTenantRole, ROLE_LINTS } from '../../harness/inspect/rls-audit.ts';
import {
  openLogWindow,
  plantControlTransactions,
  privilegeOf,
  rolePrivileges,
  sampleSessions,
} from '../../harness/inspect/runtime-roles.ts';
import { createScratchObjects } from '../../harness/inspect/scratch-objects.ts';
import { tablesOf } from '../../harness/inspect/statement-log.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

/** Management reads a tenant makes through the API, each one tenant work in the target's database. */
const TENANT_READS = ['/v1/auth/keys', '/v1/usage?limit=50', '/v1/analytics/summary', '/v1/analytics/by-key'];

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
      // a role that does not exist is a manifest that does not describe this target: nothing to judge
      precondition(
        catalog.role.exists,
        `the manifest's tenant role ${catalog.role.name} does not exist in the target's database: check database.tenantRole`,
      );
      expect(findings).toEqual([]);
    } finally {
      await inspector.close();
    }
  });

  test("runs its own statements under a tenant's context as a role without superuser, BYPASSRLS or ownership (statement log)", async ({
    env,
    target,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const logFile = env.database.statementLogFile;
    if (logFile === null)
      return evidence.notAssessed('the Postgres statement log is not readable in this mode');
    const adminUrl = env.database.adminUrl!;
    const inspector = await openInspector(env);
    try {
      const catalog = await readCatalog(inspector.client, {
        schemas: inspector.schemas,
        tenantRole: inspector.scope.tenantRole,
      });
      precondition(
        catalog.tables.length > 0,
        `no table in the manifest's schemas ${inspector.schemas.join(', ')}`,
      );
      const window = await openLogWindow(logFile, inspector.client, inspector.scope);
      // the target at work for one tenant: sign-up, keys, a proxied request, its management reads
      const sampler = sampleSessions(inspector.client);
      let sessions: Awaited<ReturnType<typeof sampler.stop>>;
      let seeded: Awaited<ReturnType<typeof seedTenant>>;
      try {
        seeded = await seedTenant(target, { keys: 2 });
        for (const path of TENANT_READS) {
          const response = await target.send(path, { headers: bearer(seeded.tenant.token) });
          requireStatus(response, 200, `GET ${path} as the seeded tenant`, response.body);
        }
      } finally {
        sessions = await sampler.stop();
      }
      const control = await plantControlTransactions(
        adminUrl,
        inspector.scope,
        seeded.tenant.userId,
        catalog.tables[0]!,
      );
      const statements = await window.close();
      const onTables = statements
        .map((s) => ({ ...s, tables: tablesOf(s.sql, catalog.tables) }))
        .filter((s) => s.tables.length > 0);
      const roles = [...new Set([...onTables.map((s) => s.role), inspector.scope.tenantRole])];
      const privileges = await rolePrivileges(inspector.client, roles, inspector.schemas);
      const classify = (s: (typeof onTables)[number]) => ({
        role: s.role,
        roleSource: s.roleSource,
        tenant: s.tenant,
        contextSource: s.contextSource,
        tables: s.tables,
        privileged: privilegeOf(
          privileges.find((p) => p.role === s.role),
          s.tables,
        ),
        sql: s.sql.slice(0, 160),
      });
      // positive control: the parser attributes the harness's own two transactions as they ran
      const controls = onTables.filter((s) => s.app === control.app).map(classify);
      const asTenantRole = controls.find(
        (c) => c.role === inspector.scope.tenantRole && c.tenant === seeded.tenant.userId,
      );
      const asLogin = controls.find(
        (c) => c.roleSource === 'login' && c.tenant === seeded.tenant.userId && c.privileged !== null,
      );
      const targets = onTables.filter((s) => !s.app.startsWith('mintoken-harness'));
      const underContext = targets.filter((s) => s.tenant !== null).map(classify);
      await evidence.positiveControl(
        "the statement log attributes the harness's own transactions: one as the tenant role with the tenant's context, one with the context and no role switch",
        {
          logFile,
          unparsedLines: window.unparsed,
          controls,
          targetStatementsOnTables: targets.length,
          targetStatementsUnderTenantContext: underContext.length,
        },
      );
      if (asTenantRole === undefined || asLogin === undefined) {
        throw new HarnessError(
          'HARNESS_ERR_DB_INSPECTOR_BLIND',
          `the statement log parser did not attribute the control transactions on ${control.table} (found ${controls.length}); is log_line_prefix '%m [%p] %q%u@%d session=%c vxid=%v xid=%x app=%a ' with log_statement=all?`,
        );
      }
      precondition(
        underContext.some((s) => s.tenant === seeded.tenant.userId),
        `none of the target's ${targets.length} statements on application tables ran with the seeded tenant's context in ${inspector.scope.tenantContext === 'supabase-jwt-claims' ? 'request.jwt.claims' : inspector.scope.tenantContext.guc}: is database.tenantContext right?`,
      );
      const privileged = underContext.filter((s) => s.privileged !== null);
      await evidence.record("the target's statements on application tables, by the role they ran as", {
        loginRolesOfTargetConnections: sessions,
        rolePrivileges: privileges,
        manifestTenantRole: inspector.scope.tenantRole,
        underTenantContext: {
          count: underContext.length,
          byRole: Object.fromEntries(
            [...new Set(underContext.map((s) => s.role))].map((r) => [
              r,
              underContext.filter((s) => s.role === r).length,
            ]),
          ),
          notTheManifestRole: underContext.filter((s) => s.role !== inspector.scope.tenantRole).slice(0, 20),
        },
        // recorded, not judged: work without a tenant (sign-up, log-in, key lookup) may run as a service role
        withoutTenantContext: Object.fromEntries(
          [...new Set(targets.filter((s) => s.tenant === null).map((s) => s.role))].map((r) => [
            r,
            targets.filter((s) => s.tenant === null && s.role === r).length,
          ]),
        ),
        privilegedUnderTenantContext: privileged.slice(0, 20),
      });
      expect(
        privileged.map((s) => `${s.role} (${s.privileged}): ${s.sql}`),
        "statements under a tenant's context that ran as a superuser, BYPASSRLS or owning role",
      ).toEqual([]);
    } finally {
      await inspector.close();
    }
  });
});
