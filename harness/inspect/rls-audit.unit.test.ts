// The catalog audits flag exactly the mistakes they name, on hand-made catalogs.
import { describe, expect, test } from 'vitest';
import type { Catalog, PolicyInfo, TableInfo } from './catalog.ts';
import {
  auditDefinerObjects,
  auditPermissiveReads,
  auditRowLevelSecurity,
  auditTenantRole,
  DEFINER_LINTS,
  PERMISSIVE_LINTS,
  RLS_LINTS,
  ROLE_LINTS,
} from './rls-audit.ts';

const table = (name: string, extra: Partial<TableInfo> = {}): TableInfo => ({
  schema: 'public',
  name,
  rls: true,
  force: true,
  owner: 'app_owner',
  ...extra,
});

const policy = (
  tableName: string,
  command: PolicyInfo['command'],
  extra: Partial<PolicyInfo> = {},
): PolicyInfo => ({
  schema: 'public',
  table: tableName,
  name: `${tableName}_${command.toLowerCase()}`,
  command,
  permissive: true,
  roles: ['authenticated'],
  using: command === 'INSERT' ? null : '(user_id = auth.uid())',
  withCheck: command === 'SELECT' || command === 'DELETE' ? null : '(user_id = auth.uid())',
  ...extra,
});

const allCommands = (name: string) =>
  (['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const).map((c) => policy(name, c));

function catalog(extra: Partial<Catalog> = {}): Catalog {
  return {
    schemas: ['public'],
    tenantRole: 'authenticated',
    tables: [table('notes')],
    policies: allCommands('notes'),
    role: {
      name: 'authenticated',
      exists: true,
      superuser: false,
      bypassRls: false,
      memberOf: [],
      ownedRelations: [],
    },
    views: [],
    definerFunctions: [],
    ...extra,
  };
}

const lintsOf = (findings: { lint: string }[]) => findings.map((f) => f.lint).sort();

describe('RLS audit', () => {
  test('finds nothing in a table with forced RLS and a checked policy per command', () => {
    expect(auditRowLevelSecurity(catalog())).toEqual([]);
  });

  test.for([
    {
      name: 'RLS off with policies',
      c: { tables: [table('notes', { rls: false })] },
      lints: [RLS_LINTS.policyButRlsDisabled, RLS_LINTS.rlsDisabled],
    },
    { name: 'no policy at all', c: { policies: [] }, lints: [RLS_LINTS.rlsNoPolicy] },
    {
      name: 'no DELETE policy',
      c: { policies: allCommands('notes').filter((p) => p.command !== 'DELETE') },
      lints: [RLS_LINTS.noPolicyForCommand],
    },
    {
      name: 'UPDATE without WITH CHECK',
      c: {
        policies: [
          ...allCommands('notes').filter((p) => p.command !== 'UPDATE'),
          policy('notes', 'UPDATE', { withCheck: null }),
        ],
      },
      lints: [RLS_LINTS.writePolicyWithoutCheck],
    },
    {
      name: 'not forced while the tenant role owns the table',
      c: { tables: [table('notes', { force: false, owner: 'authenticated' })] },
      lints: [RLS_LINTS.notForcedForRuntimeOwner],
    },
  ])('flags $name', ({ c, lints }) => {
    expect(lintsOf(auditRowLevelSecurity(catalog(c)))).toEqual([...lints].sort());
  });

  test('accepts RLS without FORCE when another role owns the table', () => {
    expect(auditRowLevelSecurity(catalog({ tables: [table('notes', { force: false })] }))).toEqual([]);
  });

  test.for([
    { name: 'USING (true)', using: 'true', lint: PERMISSIVE_LINTS.alwaysTrue },
    {
      name: 'a no-tenant disjunct',
      using: '((auth.uid() IS NULL) OR (user_id = auth.uid()))',
      lint: PERMISSIVE_LINTS.nullAuthDisjunct,
    },
    {
      name: 'a no-tenant disjunct wrapped once per statement',
      using: '((( SELECT auth.uid() AS uid) IS NULL) OR (user_id = ( SELECT auth.uid() AS uid)))',
      lint: PERMISSIVE_LINTS.nullAuthDisjunct,
    },
  ])('reports a read policy with $name', ({ using, lint }) => {
    const found = auditPermissiveReads(catalog({ policies: [policy('notes', 'SELECT', { using })] }));
    expect(lintsOf(found)).toEqual([lint]);
  });

  test('reports no permissive read for a tenant-scoped policy gated by AND', () => {
    const using = '((auth.uid() IS NOT NULL) AND (user_id = auth.uid()))';
    expect(auditPermissiveReads(catalog({ policies: [policy('notes', 'SELECT', { using })] }))).toEqual([]);
    const wrapped = '(user_id = ( SELECT auth.uid() AS uid))';
    expect(
      auditPermissiveReads(catalog({ policies: [policy('notes', 'SELECT', { using: wrapped })] })),
    ).toEqual([]);
  });
});

describe('tenant role audit', () => {
  test('flags superuser, BYPASSRLS, a privileged parent and owned relations', () => {
    const found = auditTenantRole(
      catalog({
        role: {
          name: 'authenticated',
          exists: true,
          superuser: true,
          bypassRls: true,
          memberOf: [{ name: 'admin', superuser: true, bypassRls: false }],
          ownedRelations: [{ schema: 'public', name: 'notes', kind: 'table', owner: 'authenticated' }],
        },
      }),
    );
    expect(lintsOf(found)).toEqual(
      [
        ROLE_LINTS.superuser,
        ROLE_LINTS.bypassRls,
        ROLE_LINTS.privilegedMembership,
        ROLE_LINTS.ownsRelation,
      ].sort(),
    );
  });

  test('finds nothing for a plain role', () => {
    expect(auditTenantRole(catalog())).toEqual([]);
  });
});

describe('definer objects audit', () => {
  test('flags a definer view, a readable materialized view and an unpinned PUBLIC definer function', () => {
    const found = auditDefinerObjects(
      catalog({
        views: [
          {
            schema: 'public',
            name: 'daily',
            kind: 'view',
            owner: 'o',
            securityInvoker: false,
            tenantCanSelect: true,
          },
          {
            schema: 'public',
            name: 'ok',
            kind: 'view',
            owner: 'o',
            securityInvoker: true,
            tenantCanSelect: true,
          },
          {
            schema: 'public',
            name: 'mat',
            kind: 'materialized view',
            owner: 'o',
            securityInvoker: false,
            tenantCanSelect: true,
          },
        ],
        definerFunctions: [
          {
            schema: 'public',
            name: 'f',
            signature: '',
            argTypes: [],
            owner: 'o',
            config: [],
            publicCanExecute: true,
            tenantCanExecute: true,
            returnsSet: false,
          },
        ],
      }),
    );
    expect(lintsOf(found)).toEqual(
      [
        DEFINER_LINTS.definerView,
        DEFINER_LINTS.materializedView,
        DEFINER_LINTS.searchPathMutable,
        DEFINER_LINTS.publicExecute,
      ].sort(),
    );
  });
});
