// The catalog audits of TENANCY-01, -02 and -06 as pure functions of a Catalog; findings are named like the Supabase linter's (splinter) lints.
import { type Catalog, type PolicyInfo, TABLE_COMMANDS } from './catalog.ts';

/**
 * A lint and where it fired. Names with a number are the Supabase linter's (splinter) lints;
 * `harness_…` names are checks of claims.md that splinter has no lint for.
 */
export interface Finding {
  lint: string;
  object: string;
  detail: string;
}

export const RLS_LINTS = {
  rlsDisabled: '0013_rls_disabled_in_public',
  policyButRlsDisabled: '0007_policy_exists_rls_disabled',
  rlsNoPolicy: '0008_rls_enabled_no_policy',
  notForcedForRuntimeOwner: 'harness_rls_not_forced_for_runtime_owner',
  noPolicyForCommand: 'harness_no_policy_for_command',
  writePolicyWithoutCheck: 'harness_write_policy_without_with_check',
} as const;

export const ROLE_LINTS = {
  superuser: 'harness_tenant_role_superuser',
  bypassRls: 'harness_tenant_role_bypassrls',
  privilegedMembership: 'harness_tenant_role_member_of_privileged_role',
  ownsRelation: 'harness_tenant_role_owns_relation',
  missing: 'harness_tenant_role_missing',
} as const;

export const DEFINER_LINTS = {
  definerView: '0010_security_definer_view',
  materializedView: '0016_materialized_view_in_api',
  searchPathMutable: '0011_function_search_path_mutable',
  publicExecute: 'harness_security_definer_function_public_execute',
} as const;

/** Read-side lints that are informational for TENANCY-01 (the rows check of TENANCY-03 decides). */
export const PERMISSIVE_LINTS = {
  alwaysTrue: '0024_rls_policy_always_true',
  nullAuthDisjunct: '0030_rls_policy_null_auth_disjunct',
} as const;

const tableName = (schema: string, name: string) => `${schema}.${name}`;

function appliesTo(policy: PolicyInfo, command: (typeof TABLE_COMMANDS)[number]): boolean {
  return policy.command === command || policy.command === 'ALL';
}

/**
 * TENANCY-01: RLS enabled on every table of the manifest's schemas; forced, unless the tenant role
 * is not the owner; at least one policy per command; INSERT/UPDATE (and ALL) policies with WITH CHECK.
 */
export function auditRowLevelSecurity(catalog: Catalog): Finding[] {
  const findings: Finding[] = [];
  for (const table of catalog.tables) {
    const object = tableName(table.schema, table.name);
    const policies = catalog.policies.filter((p) => p.schema === table.schema && p.table === table.name);
    if (!table.rls) {
      findings.push({ lint: RLS_LINTS.rlsDisabled, object, detail: 'row level security is not enabled' });
      if (policies.length > 0) {
        findings.push({
          lint: RLS_LINTS.policyButRlsDisabled,
          object,
          detail: `policies exist (${policies.map((p) => p.name).join(', ')}) but are not enforced`,
        });
      }
      continue;
    }
    const runtimeOwns =
      table.owner === catalog.tenantRole || catalog.role.memberOf.some((role) => role.name === table.owner);
    if (!table.force && runtimeOwns) {
      findings.push({
        lint: RLS_LINTS.notForcedForRuntimeOwner,
        object,
        detail: `owned by ${table.owner}, which the tenant role ${catalog.tenantRole} is or belongs to, and RLS is not forced: the owner bypasses it`,
      });
    }
    if (policies.length === 0) {
      findings.push({ lint: RLS_LINTS.rlsNoPolicy, object, detail: 'RLS is enabled but no policy exists' });
      continue;
    }
    for (const command of TABLE_COMMANDS) {
      if (!policies.some((p) => appliesTo(p, command))) {
        findings.push({ lint: RLS_LINTS.noPolicyForCommand, object, detail: `no policy covers ${command}` });
      }
    }
    for (const policy of policies) {
      if (
        (policy.command === 'UPDATE' || policy.command === 'INSERT' || policy.command === 'ALL') &&
        policy.withCheck === null
      ) {
        findings.push({
          lint: RLS_LINTS.writePolicyWithoutCheck,
          object: `${object} policy ${policy.name}`,
          detail: `${policy.command} policy without WITH CHECK (USING: ${policy.using ?? 'none'})`,
        });
      }
    }
  }
  return findings;
}

const normalise = (expression: string | null) => (expression ?? '').toLowerCase().replace(/\s+/g, '');
// `(auth.uid() IS NULL) OR …` as pg_get_expr prints it, with whitespace removed: a heuristic, as splinter's is
// (also wrapped as `( SELECT auth.uid() AS uid)`, the once-per-statement form Supabase's lint 0003 asks for)
const AUTH_CALL = String.raw`(\(selectauth\.(uid|jwt|role)\(\)(as\w+)?\)|auth\.(uid|jwt|role)\(\)|current_setting\([^)]*\))`;
const NULL_AUTH_DISJUNCT = new RegExp(String.raw`${AUTH_CALL}isnull\)or\(|\)or\(${AUTH_CALL}isnull\)`);

/** Read policies that admit every row (`USING (true)`) or every row when there is no tenant (`auth.uid() IS NULL OR …`). */
export function auditPermissiveReads(catalog: Catalog): Finding[] {
  const findings: Finding[] = [];
  for (const policy of catalog.policies) {
    if (!policy.permissive || (policy.command !== 'SELECT' && policy.command !== 'ALL')) continue;
    const object = `${tableName(policy.schema, policy.table)} policy ${policy.name}`;
    const using = normalise(policy.using);
    if (using === 'true' || using === '(true)') {
      findings.push({
        lint: PERMISSIVE_LINTS.alwaysTrue,
        object,
        detail: `USING (${policy.using}) for ${policy.roles.join(', ')}`,
      });
    } else if (NULL_AUTH_DISJUNCT.test(using)) {
      findings.push({ lint: PERMISSIVE_LINTS.nullAuthDisjunct, object, detail: `USING (${policy.using})` });
    }
  }
  return findings;
}

/** TENANCY-02: the tenant role is no superuser, has no BYPASSRLS (nor can become a role that has), owns nothing. */
export function auditTenantRole(catalog: Catalog): Finding[] {
  const { role } = catalog;
  if (!role.exists) {
    return [
      {
        lint: ROLE_LINTS.missing,
        object: role.name,
        detail: 'the manifest names a tenant role that does not exist',
      },
    ];
  }
  const findings: Finding[] = [];
  if (role.superuser)
    findings.push({ lint: ROLE_LINTS.superuser, object: role.name, detail: 'rolsuper is true' });
  if (role.bypassRls)
    findings.push({ lint: ROLE_LINTS.bypassRls, object: role.name, detail: 'rolbypassrls is true' });
  for (const parent of role.memberOf.filter((r) => r.superuser || r.bypassRls)) {
    findings.push({
      lint: ROLE_LINTS.privilegedMembership,
      object: role.name,
      detail: `member of ${parent.name} (${parent.superuser ? 'superuser' : 'BYPASSRLS'}), which it can SET ROLE to`,
    });
  }
  for (const owned of role.ownedRelations) {
    findings.push({
      lint: ROLE_LINTS.ownsRelation,
      object: tableName(owned.schema, owned.name),
      detail: `${owned.kind} owned by ${owned.owner}${owned.owner === role.name ? '' : `, a role ${role.name} belongs to`}: its owner may ALTER it, disable RLS included`,
    });
  }
  return findings;
}

/**
 * TENANCY-06: views are security_invoker (in the manifest's schemas all of them, elsewhere those
 * the tenant can read); no materialized view is readable by the tenant; SECURITY DEFINER functions
 * pin search_path and are not executable by PUBLIC.
 */
export function auditDefinerObjects(catalog: Catalog): Finding[] {
  const findings: Finding[] = [];
  for (const view of catalog.views) {
    const object = tableName(view.schema, view.name);
    if (view.kind === 'materialized view') {
      if (view.tenantCanSelect) {
        findings.push({
          lint: DEFINER_LINTS.materializedView,
          object,
          detail: `readable by ${catalog.tenantRole}; a materialized view has no RLS`,
        });
      }
    } else if (!view.securityInvoker && (view.tenantCanSelect || catalog.schemas.includes(view.schema))) {
      findings.push({
        lint: DEFINER_LINTS.definerView,
        object,
        detail: `runs with its owner's (${view.owner}) rights, not the caller's${view.tenantCanSelect ? `; readable by ${catalog.tenantRole}` : ''}`,
      });
    }
  }
  for (const fn of catalog.definerFunctions) {
    const object = `${tableName(fn.schema, fn.name)}(${fn.signature})`;
    if (!fn.config.some((setting) => setting.startsWith('search_path='))) {
      findings.push({
        lint: DEFINER_LINTS.searchPathMutable,
        object,
        detail: 'SECURITY DEFINER without SET search_path',
      });
    }
    if (fn.publicCanExecute) {
      findings.push({
        lint: DEFINER_LINTS.publicExecute,
        object,
        detail: `EXECUTE granted to PUBLIC (owner ${fn.owner})`,
      });
    }
  }
  return findings;
}
