// TENANCY-01/02/03/05/06 at the unit level: the migrated catalog, and tenant context that never leaks.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createKey, createTenant } from './api-helpers.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;
let admin: pg.Client;

beforeAll(async () => {
  env = await startTestEnvironment();
  admin = new pg.Client({ connectionString: env.database.adminUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await env?.stop();
});

const rows = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
  (await admin.query<T>(sql, params)).rows;

describe('TENANCY-01 every table in public enforces RLS', () => {
  it('enables and forces RLS on every table', async () => {
    const tables = await rows<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
    );
    expect(tables.map((t) => t.relname).sort()).toEqual(
      ['api_keys', 'auth_failure_counters', 'rate_limit_counters', 'usage', 'users'].sort(),
    );
    for (const table of tables)
      expect(table, table.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('has a policy for every command on every table, and WITH CHECK on every INSERT and UPDATE policy', async () => {
    const policies = await rows<{
      tablename: string;
      cmd: string;
      with_check: string | null;
      qual: string | null;
      roles: string[];
    }>(
      "SELECT tablename, cmd, with_check, qual, roles::text[] AS roles FROM pg_policies WHERE schemaname = 'public'",
    );
    for (const table of ['users', 'api_keys', 'usage', 'rate_limit_counters', 'auth_failure_counters']) {
      for (const cmd of ['SELECT', 'INSERT', 'UPDATE', 'DELETE']) {
        expect(
          policies.some((p) => p.tablename === table && (p.cmd === cmd || p.cmd === 'ALL')),
          `${table} ${cmd}`,
        ).toBe(true);
      }
    }
    for (const policy of policies.filter((p) => p.cmd === 'INSERT' || p.cmd === 'UPDATE')) {
      expect(policy.with_check, `${policy.tablename} ${policy.cmd}`).not.toBeNull();
    }
    for (const policy of policies.filter(
      (p) => p.roles.includes('authenticated') || p.roles.includes('public'),
    )) {
      expect(policy.qual).not.toBe('true');
      expect(policy.with_check).not.toBe('true');
    }
  });

  it('applies the migrations again, from two replicas at once, without error', async () => {
    const pools = [1, 2].map(() => createDatabase(env.database.databaseUrl, 2));
    await Promise.all(pools.map((db) => runMigrations(db, createLogger('silent'))));
    await Promise.all(pools.map((db) => db.end()));
  });
});

describe('TENANCY-02 tenant queries run least-privileged', () => {
  it('gives the tenant role no superuser, no BYPASSRLS and no ownership; the owner is not superuser', async () => {
    const [tenant] = await rows<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
      "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'authenticated'",
    );
    expect(tenant).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    const owned = await rows(
      "SELECT 1 FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname IN ('authenticated', 'mintoken_service') AND c.relkind = 'r'",
    );
    expect(owned).toHaveLength(0);
    const [owner] = await rows<{ rolsuper: boolean }>(
      'SELECT r.rolsuper FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = current_database()',
    );
    expect(owner?.rolsuper).toBe(false);
  });
});

describe('TENANCY-06 SECURITY DEFINER functions are pinned and private', () => {
  it('pins search_path and grants EXECUTE to the service role only', async () => {
    const functions = await rows<{
      proname: string;
      proconfig: string[] | null;
      public_exec: boolean;
      tenant_exec: boolean;
    }>(
      `SELECT p.proname, p.proconfig,
              has_function_privilege('public', p.oid, 'EXECUTE') AS public_exec,
              has_function_privilege('authenticated', p.oid, 'EXECUTE') AS tenant_exec
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(functions.map((f) => f.proname).sort()).toEqual(['admit_proxy_request', 'lookup_api_key']);
    for (const fn of functions) {
      expect(fn.proconfig).toContain('search_path=""');
      expect(fn.public_exec).toBe(false);
      expect(fn.tenant_exec).toBe(false);
    }
  });
});

describe('TENANCY-03/05 tenant context', () => {
  it("returns only the tenant's rows, nothing without context, and leaves no context on the connection", async () => {
    const alice = await createTenant(env.app);
    const bob = await createTenant(env.app);
    await createKey(env.app, alice);
    await createKey(env.app, bob);
    const db = createDatabase(env.database.databaseUrl, 1);
    try {
      const seen = await db.asTenant(alice.userId, async (client) => {
        const keys = await client.query<{ user_id: string }>('SELECT user_id FROM public.api_keys');
        const users = await client.query<{ id: string }>('SELECT id FROM public.users');
        return { keys: keys.rows.map((r) => r.user_id), users: users.rows.map((r) => r.id) };
      });
      expect(new Set(seen.keys)).toEqual(new Set([alice.userId]));
      expect(seen.users).toEqual([alice.userId]);
      // same single connection afterwards: no role, no claims survive the transaction
      const client = await db.connect();
      try {
        const state = await client.query<{ role: string; claims: string | null }>(
          "SELECT current_user AS role, current_setting('request.jwt.claims', true) AS claims",
        );
        expect(state.rows[0]?.role).not.toBe('authenticated');
        expect(state.rows[0]?.claims ?? '').toBe('');
        await client.query('BEGIN');
        await client.query('SET LOCAL ROLE authenticated');
        const none = await client.query('SELECT * FROM public.api_keys');
        await client.query('ROLLBACK');
        expect(none.rowCount).toBe(0);
      } finally {
        client.release();
      }
      await expect(
        db.asTenant(alice.userId, (client) =>
          client.query(
            'INSERT INTO public.api_keys (user_id, key_prefix, key_hash, name) VALUES ($1, $2, $3, $4)',
            [bob.userId, 'mt_live_abcd', Buffer.alloc(32, 1), 'forged'],
          ),
        ),
      ).rejects.toThrow(/row-level security/);
    } finally {
      await db.end();
    }
  });
});
