// The inspector's connection to the target's database: the admin URL, transactions that never commit, and the tenant role with a context.
import pg from 'pg';
import type { EnvironmentInfo } from '../environment-info.ts';

export type TenantContextSpec = EnvironmentInfo['database']['tenantContext'];

/** How tenant queries are scoped in this target (the manifest's `database` block). */
export interface TenantScope {
  tenantRole: string;
  tenantContext: TenantContextSpec;
}

/** What a session claims to be: a tenant, or one of the ways of having no tenant at all. */
export type TenantIdentity =
  | { userId: string }
  /** the setting was never set in this session */
  | { none: 'unset' }
  /** the setting is an empty string (what a pooled connection holds after a reset) */
  | { none: 'empty' }
  /** Supabase claims of a signed-in role without a subject */
  | { none: 'no-subject' };

export function describeIdentity(identity: TenantIdentity): string {
  return 'userId' in identity ? `tenant ${identity.userId}` : `no tenant (${identity.none})`;
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A single connection with the admin URL (the target's superuser, or a manifest's adminUrl). Its
 * application name starts with `mintoken-harness`, which tells the harness's sessions from the target's.
 */
export async function openAdminSession(
  adminUrl: string,
  applicationName = 'mintoken-harness-inspector',
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: adminUrl,
    application_name: applicationName,
  });
  await client.connect();
  // an inspector query must never hang a suite: a runaway definer function or lock ends here
  await client.query("SET statement_timeout = '10s'");
  return client;
}

/** Runs `work` in a transaction that is always rolled back: the inspector writes nothing that stays. */
export async function rolledBack<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * Inside the current transaction: become the tenant role (SET LOCAL ROLE) and set its context the
 * way the manifest says the target does — Supabase `request.jwt.claims` or a plain GUC — locally.
 */
export async function enterTenant(
  client: pg.Client,
  scope: TenantScope,
  identity: TenantIdentity,
): Promise<void> {
  await client.query(`SET LOCAL ROLE ${quoteIdent(scope.tenantRole)}`);
  const setting =
    scope.tenantContext === 'supabase-jwt-claims' ? 'request.jwt.claims' : scope.tenantContext.guc;
  let value: string | null;
  if ('userId' in identity) {
    value =
      scope.tenantContext === 'supabase-jwt-claims'
        ? JSON.stringify({ sub: identity.userId, role: scope.tenantRole })
        : identity.userId;
  } else if (identity.none === 'unset') value = null;
  else if (identity.none === 'empty') value = '';
  else
    value = scope.tenantContext === 'supabase-jwt-claims' ? JSON.stringify({ role: scope.tenantRole }) : '';
  if (value !== null) await client.query('SELECT set_config($1, $2, true)', [setting, value]);
}

/** Runs `work` as the tenant role with `identity`, in a transaction that is rolled back. */
export function asTenant<T>(
  client: pg.Client,
  scope: TenantScope,
  identity: TenantIdentity,
  work: () => Promise<T>,
): Promise<T> {
  return rolledBack(client, async () => {
    await enterTenant(client, scope, identity);
    return work();
  });
}

/** The Postgres error code of a failed statement (42501: insufficient privilege, RLS violations included). */
export function sqlStateOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
}

/** Runs one statement under a savepoint, so a refusal does not end the surrounding transaction. */
export async function attempt(
  client: pg.Client,
  sql: string,
  params: unknown[] = [],
): Promise<{ ok: true; rowCount: number } | { ok: false; sqlState: string; message: string }> {
  await client.query('SAVEPOINT harness_attempt');
  try {
    const result = await client.query(sql, params);
    await client.query('RELEASE SAVEPOINT harness_attempt');
    return { ok: true, rowCount: result.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT harness_attempt');
    return {
      ok: false,
      sqlState: sqlStateOf(error),
      message: error instanceof Error ? error.message : String(error),
    };
  }
}
