// Reads what the RLS audit needs from the Postgres catalog: tables, policies, the tenant role, views and SECURITY DEFINER functions.
import type pg from 'pg';

/** Schemas no application owns. */
const SYSTEM_SCHEMA_FILTER = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;
/** The inspector's own positive-control objects live in schemas with this prefix; real audits skip them. */
export const SCRATCH_SCHEMA_PREFIX = 'harness_scratch_';
/** Objects that belong to an extension are the extension's business, as in the Supabase linter. */
const NOT_EXTENSION_MEMBER = (oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`;

export type PolicyCommand = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
export const TABLE_COMMANDS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export interface TableInfo {
  schema: string;
  name: string;
  rls: boolean;
  force: boolean;
  owner: string;
}

export interface PolicyInfo {
  schema: string;
  table: string;
  name: string;
  command: PolicyCommand;
  permissive: boolean;
  roles: string[];
  using: string | null;
  withCheck: string | null;
}

export interface RoleInfo {
  name: string;
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** roles this role is a member of (directly or not), with their dangerous attributes */
  memberOf: { name: string; superuser: boolean; bypassRls: boolean }[];
  /** relations owned by this role or by a role it is a member of */
  ownedRelations: { schema: string; name: string; kind: string; owner: string }[];
}

export interface ViewInfo {
  schema: string;
  name: string;
  /** 'view' or 'materialized view' */
  kind: 'view' | 'materialized view';
  owner: string;
  securityInvoker: boolean;
  tenantCanSelect: boolean;
}

export interface DefinerFunctionInfo {
  schema: string;
  name: string;
  /** identity arguments, e.g. `p_key_hash bytea` */
  signature: string;
  argTypes: string[];
  owner: string;
  config: string[];
  publicCanExecute: boolean;
  tenantCanExecute: boolean;
  returnsSet: boolean;
}

export interface Catalog {
  schemas: string[];
  tenantRole: string;
  tables: TableInfo[];
  policies: PolicyInfo[];
  role: RoleInfo;
  views: ViewInfo[];
  definerFunctions: DefinerFunctionInfo[];
}

export interface CatalogScope {
  /** the manifest's schemas: whose tables must enforce RLS */
  schemas: readonly string[];
  tenantRole: string;
  /**
   * where views and definer functions are looked for: every non-system schema except the
   * inspector's scratch schemas (`all-but-scratch`), or exactly the given schemas
   */
  objectSchemas?: 'all-but-scratch' | readonly string[];
}

function objectSchemaFilter(scope: CatalogScope, params: unknown[]): string {
  const where = scope.objectSchemas ?? 'all-but-scratch';
  if (where === 'all-but-scratch') {
    params.push(`${SCRATCH_SCHEMA_PREFIX}%`);
    return `${SYSTEM_SCHEMA_FILTER} AND n.nspname NOT LIKE $${params.length}`;
  }
  params.push([...where]);
  return `n.nspname = ANY($${params.length})`;
}

async function readTables(client: pg.Client, schemas: readonly string[]): Promise<TableInfo[]> {
  const result = await client.query<TableInfo>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS force,
            pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1) AND ${NOT_EXTENSION_MEMBER('c.oid')}
      ORDER BY 1, 2`,
    [[...schemas]],
  );
  return result.rows;
}

async function readPolicies(client: pg.Client, schemas: readonly string[]): Promise<PolicyInfo[]> {
  const result = await client.query<PolicyInfo>(
    `SELECT n.nspname AS schema, c.relname AS table, p.polname AS name,
            CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                          WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
            p.polpermissive AS permissive,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END
                    FROM unnest(p.polroles) AS r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using,
            pg_get_expr(p.polwithcheck, p.polrelid) AS "withCheck"
       FROM pg_policy p
       JOIN pg_class c ON c.oid = p.polrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1)
      ORDER BY 1, 2, 3`,
    [[...schemas]],
  );
  return result.rows;
}

async function readRole(client: pg.Client, scope: CatalogScope): Promise<RoleInfo> {
  const role = await client.query<{ superuser: boolean; bypassRls: boolean }>(
    `SELECT rolsuper AS superuser, rolbypassrls AS "bypassRls" FROM pg_roles WHERE rolname = $1`,
    [scope.tenantRole],
  );
  const found = role.rows[0];
  if (found === undefined) {
    return {
      name: scope.tenantRole,
      exists: false,
      superuser: false,
      bypassRls: false,
      memberOf: [],
      ownedRelations: [],
    };
  }
  const memberOf = await client.query<RoleInfo['memberOf'][number]>(
    `SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls"
       FROM pg_roles r
      WHERE r.rolname <> $1 AND pg_has_role($1, r.oid, 'MEMBER')
      ORDER BY 1`,
    [scope.tenantRole],
  );
  const params: unknown[] = [scope.tenantRole];
  const owned = await client.query<RoleInfo['ownedRelations'][number]>(
    `SELECT n.nspname AS schema, c.relname AS name,
            CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                           WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE c.relkind::text END AS kind,
            pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_has_role($1, c.relowner, 'MEMBER')
        AND ${objectSchemaFilter(scope, params)}
      ORDER BY 1, 2`,
    params,
  );
  return {
    name: scope.tenantRole,
    exists: true,
    superuser: found.superuser,
    bypassRls: found.bypassRls,
    memberOf: memberOf.rows,
    ownedRelations: owned.rows,
  };
}

async function readViews(client: pg.Client, scope: CatalogScope): Promise<ViewInfo[]> {
  const params: unknown[] = [scope.tenantRole];
  const result = await client.query<ViewInfo>(
    `SELECT n.nspname AS schema, c.relname AS name,
            CASE c.relkind WHEN 'v' THEN 'view' ELSE 'materialized view' END AS kind,
            pg_get_userbyid(c.relowner) AS owner,
            coalesce(lower(array_to_string(c.reloptions, ',')) ~ 'security_invoker=(1|true|yes|on)', false)
              AS "securityInvoker",
            has_table_privilege($1, c.oid, 'SELECT') AS "tenantCanSelect"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${objectSchemaFilter(scope, params)} AND ${NOT_EXTENSION_MEMBER('c.oid')}
      ORDER BY 1, 2`,
    params,
  );
  return result.rows;
}

async function readDefinerFunctions(client: pg.Client, scope: CatalogScope): Promise<DefinerFunctionInfo[]> {
  const params: unknown[] = [scope.tenantRole];
  const result = await client.query<DefinerFunctionInfo>(
    `SELECT n.nspname AS schema, p.proname AS name,
            pg_get_function_identity_arguments(p.oid) AS signature,
            ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) AS t) AS "argTypes",
            pg_get_userbyid(p.proowner) AS owner,
            coalesce(p.proconfig, '{}') AS config,
            EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a
                     WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS "publicCanExecute",
            has_function_privilege($1, p.oid, 'EXECUTE') AS "tenantCanExecute",
            p.proretset AS "returnsSet"
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.prosecdef AND p.prokind = 'f' AND ${objectSchemaFilter(scope, params)}
        AND ${NOT_EXTENSION_MEMBER('p.oid')}
      ORDER BY 1, 2, 3`,
    params,
  );
  return result.rows;
}

/** Everything the audits look at, read once. */
export async function readCatalog(client: pg.Client, scope: CatalogScope): Promise<Catalog> {
  // one client runs one query at a time: read in sequence
  const tables = await readTables(client, scope.schemas);
  const policies = await readPolicies(client, scope.schemas);
  const role = await readRole(client, scope);
  const views = await readViews(client, scope);
  const definerFunctions = await readDefinerFunctions(client, scope);
  return {
    schemas: [...scope.schemas],
    tenantRole: scope.tenantRole,
    tables,
    policies,
    role,
    views,
    definerFunctions,
  };
}
