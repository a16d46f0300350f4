// Observes the target at work: the login roles of its connections (pg_stat_activity) and, from the statement log, the role and tenant context each statement on an application table ran under.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { openAdminSession, quoteIdent, type TenantScope } from './admin-session.ts';
import {
  type AttributedStatement,
  attributeWindow,
  contextSettingOf,
  logOffset,
  readLogFrom,
} from './statement-log.ts';

/** The application name every harness connection to the target's database carries (excluded from the target's). */
export const HARNESS_APPLICATION_PREFIX = 'mintoken-harness';
const SAMPLE_EVERY_MS = 100;
const LOG_SETTLE_TIMEOUT_MS = 5_000;

/** A login role seen on the target's own connections, with what makes a role privileged. */
export interface SessionRole {
  role: string;
  applicationNames: string[];
  backends: number;
  superuser: boolean;
  bypassRls: boolean;
}

/** What a role may do beyond RLS: superuser, BYPASSRLS, or (through membership) owner of tables. */
export interface RolePrivilege {
  role: string;
  exists: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** application tables this role owns, itself or through a role whose privileges it has */
  owns: string[];
}

/** Samples pg_stat_activity until stopped: the target's backends (not the harness's) and their login roles. */
export function sampleSessions(client: pg.Client): { stop(): Promise<SessionRole[]> } {
  const seen = new Map<string, { apps: Set<string>; pids: Set<number> }>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<{ usename: string; application_name: string; pid: number }>(
        `SELECT usename, application_name, pid FROM pg_stat_activity
          WHERE datname = current_database() AND backend_type = 'client backend'
            AND pid <> pg_backend_pid() AND application_name NOT LIKE $1`,
        [`${HARNESS_APPLICATION_PREFIX}%`],
      );
      for (const row of rows) {
        const entry = seen.get(row.usename) ?? { apps: new Set(), pids: new Set() };
        entry.apps.add(row.application_name);
        entry.pids.add(row.pid);
        seen.set(row.usename, entry);
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const privileges = await rolePrivileges(client, [...seen.keys()], []);
      return [...seen.entries()].map(([role, entry]) => {
        const p = privileges.find((r) => r.role === role);
        return {
          role,
          applicationNames: [...entry.apps],
          backends: entry.pids.size,
          superuser: p?.superuser ?? false,
          bypassRls: p?.bypassRls ?? false,
        };
      });
    },
  };
}

/** Superuser, BYPASSRLS and table ownership (direct or inherited) of each role, for the tables of `schemas`. */
export async function rolePrivileges(
  client: pg.Client,
  roles: readonly string[],
  schemas: readonly string[],
): Promise<RolePrivilege[]> {
  const { rows } = await client.query<{
    role: string;
    exists: boolean;
    superuser: boolean | null;
    bypass: boolean | null;
    owns: string[] | null;
  }>(
    `SELECT want.role, r.oid IS NOT NULL AS exists, r.rolsuper AS superuser, r.rolbypassrls AS bypass,
            ARRAY(SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE r.oid IS NOT NULL AND n.nspname = ANY($2) AND c.relkind IN ('r', 'p')
                     AND pg_has_role(r.oid, c.relowner, 'USAGE') ORDER BY 1) AS owns
       FROM unnest($1::text[]) AS want(role) LEFT JOIN pg_roles r ON r.rolname = want.role`,
    [roles, schemas],
  );
  return rows.map((r) => ({
    role: r.role,
    exists: r.exists,
    superuser: r.superuser ?? false,
    bypassRls: r.bypass ?? false,
    owns: r.owns ?? [],
  }));
}

/** Why a statement on `tables` as this role is not least-privileged, or null. */
export function privilegeOf(privilege: RolePrivilege | undefined, tables: readonly string[]): string | null {
  if (privilege === undefined || !privilege.exists) return null;
  if (privilege.superuser) return 'superuser';
  if (privilege.bypassRls) return 'BYPASSRLS';
  const owned = tables.filter((t) => privilege.owns.includes(t));
  return owned.length > 0 ? `owner of ${owned.join(', ')}` : null;
}

/** A window on the statement log: what was logged between `open` and `close`. */
export interface LogWindow {
  close(): Promise<AttributedStatement[]>;
  unparsed: number;
}

/**
 * Opens a window on the statement log: `close()` waits until a marker statement sent after the
 * traffic is in the log, then returns every statement of the window with its role and tenant context.
 */
export async function openLogWindow(
  logFile: string,
  adminClient: pg.Client,
  scope: TenantScope,
): Promise<LogWindow> {
  const offset = await logOffset(logFile);
  const setting = contextSettingOf(scope.tenantContext);
  const window: LogWindow = {
    unparsed: 0,
    async close() {
      const marker = `harness-log-window-${randomBytes(8).toString('hex')}`;
      await adminClient.query(`SELECT '${marker}'`);
      const deadline = performance.now() + LOG_SETTLE_TIMEOUT_MS;
      let text = await readLogFrom(logFile, offset);
      while (!text.includes(marker) && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        text = await readLogFrom(logFile, offset);
      }
      // the sessions' state (a role switched, a context set) is followed from the log's start
      const attributed = attributeWindow(await readLogFrom(logFile, 0, offset), text, setting);
      window.unparsed = attributed.unparsed;
      return attributed.statements;
    },
  };
  return window;
}

/**
 * The positive control's two transactions, sent by the harness inside the window: one as the tenant
 * role with tenant `userId`'s context, one with the same context but no role switch (as the admin
 * login, a superuser). The parser must attribute them so, or it would miss the target's.
 */
export async function plantControlTransactions(
  adminUrl: string,
  scope: TenantScope,
  userId: string,
  table: { schema: string; name: string },
): Promise<{ app: string; table: string }> {
  const setting = contextSettingOf(scope.tenantContext);
  const value =
    scope.tenantContext === 'supabase-jwt-claims'
      ? JSON.stringify({ sub: userId, role: scope.tenantRole })
      : userId;
  const app = `${HARNESS_APPLICATION_PREFIX}-log-control-${randomBytes(4).toString('hex')}`;
  const client = await openAdminSession(adminUrl, app);
  const target = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  try {
    for (const switchRole of [true, false]) {
      await client.query('BEGIN');
      try {
        if (switchRole) await client.query(`SET LOCAL ROLE ${quoteIdent(scope.tenantRole)}`);
        await client.query('SELECT set_config($1, $2, true)', [setting.name, value]);
        await client.query(`SELECT count(*) FROM ${target}`);
      } finally {
        await client.query('ROLLBACK');
      }
    }
  } finally {
    await client.end();
  }
  return { app, table: `${table.schema}.${table.name}` };
}
