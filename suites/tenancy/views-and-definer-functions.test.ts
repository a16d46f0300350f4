// TENANCY-06: views and SECURITY DEFINER functions don't bypass RLS — catalog lints (splinter 0010/0011/0016) and, as a tenant, nothing of another tenant comes back through them.

import { inspectorUnavailable, openInspector } from '../../fixtures/database-inspector.ts';
import { seedTenant } from '../../fixtures/tenant-data.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { HarnessError } from '../../harness/errors.ts';
import { readCatalog } from '../../harness/inspect/catalog.ts';
import { probeDefinerExposure } from '../../harness/inspect/definer-probe.ts';
import { auditDefinerObjects, DEFINER_LINTS } from '../../harness/inspect/rls-audit.ts';
import { createScratchObjects } from '../../harness/inspect/scratch-objects.ts';

describe(claimTitle('TENANCY-06'), () => {
  test('flags definer views and functions that leak another tenant (positive control)', async ({
    env,
    target,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const [a, b] = await Promise.all([seedTenant(target), seedTenant(target)]);
    const inspector = await openInspector(env);
    const scratch = await createScratchObjects(inspector.client, inspector.scope.tenantRole, [b.ids.userId]);
    try {
      const catalog = await readCatalog(inspector.client, {
        schemas: [scratch.schema],
        tenantRole: inspector.scope.tenantRole,
        objectSchemas: [scratch.schema],
      });
      const findings = auditDefinerObjects(catalog);
      const expected = [
        { lint: DEFINER_LINTS.definerView, object: scratch.expected.definerView },
        { lint: DEFINER_LINTS.materializedView, object: scratch.expected.materializedView },
        { lint: DEFINER_LINTS.searchPathMutable, object: scratch.expected.definerFunction },
        { lint: DEFINER_LINTS.publicExecute, object: scratch.expected.definerFunction },
      ];
      const missed = expected.filter(
        (e) => !findings.some((f) => f.lint === e.lint && f.object === e.object),
      );
      const exposure = await probeDefinerExposure(inspector.client, inspector.scope, catalog, a.ids, b.ids);
      const leaked = exposure.filter((e) => e.foreign.length > 0).map((e) => e.object);
      const missedLeaks = [scratch.leaks.view, scratch.leaks.function].filter(
        (o) => !leaked.some((l) => l.startsWith(o)),
      );
      await evidence.positiveControl(
        'deliberately bad definer objects flagged, and their leak seen as a tenant',
        {
          schema: scratch.schema,
          findings,
          missed,
          exposure,
          missedLeaks,
        },
      );
      if (missed.length > 0 || missedLeaks.length > 0) {
        throw new HarnessError(
          'HARNESS_ERR_DB_INSPECTOR_BLIND',
          `the definer audit missed ${[...missed.map((m) => `${m.lint} on ${m.object}`), ...missedLeaks.map((o) => `the leak through ${o}`)].join(', ')}`,
        );
      }
    } finally {
      await scratch.drop();
      await inspector.close();
    }
  });

  test('gives every view security_invoker and every definer function a pinned search_path and no PUBLIC EXECUTE', async ({
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
      const findings = auditDefinerObjects(catalog);
      await evidence.record('views and SECURITY DEFINER functions outside system schemas', {
        views: catalog.views,
        definerFunctions: catalog.definerFunctions,
        findings,
      });
      expect(findings).toEqual([]);
    } finally {
      await inspector.close();
    }
  });

  test('returns nothing of another tenant through any view or definer function the tenant role may use', async ({
    env,
    target,
    evidence,
  }) => {
    const unavailable = inspectorUnavailable(env);
    if (unavailable !== null) return evidence.notAssessed(unavailable);
    const [a, b] = await Promise.all([seedTenant(target), seedTenant(target)]);
    const inspector = await openInspector(env);
    try {
      const catalog = await readCatalog(inspector.client, {
        schemas: inspector.schemas,
        tenantRole: inspector.scope.tenantRole,
      });
      const exposure = await probeDefinerExposure(inspector.client, inspector.scope, catalog, a.ids, b.ids);
      await evidence.record(`as tenant A, with tenant B's ids as arguments`, {
        tenantA: a.ids.userId,
        tenantB: b.ids.userId,
        usable: {
          views: catalog.views.filter((v) => v.tenantCanSelect).map((v) => `${v.schema}.${v.name}`),
          functions: catalog.definerFunctions
            .filter((f) => f.tenantCanExecute)
            .map((f) => `${f.schema}.${f.name}`),
        },
        exposure,
      });
      expect(exposure.filter((e) => e.foreign.length > 0)).toEqual([]);
    } finally {
      await inspector.close();
    }
  });
});
