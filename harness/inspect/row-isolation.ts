// TENANCY-03's probe: what the tenant role sees and may write with one tenant's context, each write beside the admin doing the same.
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  asTenant,
  attempt,
  qualified,
  quoteIdent,
  rolledBack,
  sqlStateOf,
  type TenantIdentity,
  type TenantScope,
} from './admin-session.ts';
import type { TableInfo } from './catalog.ts';

/** A tenant as the database knows it: its user id and every id or value that marks a row as its own. */
export interface TenantIds {
  userId: string;
  identifiers: string[];
}

const MAX_ROWS_READ = 2_000;

export function tableOf(table: Pick<TableInfo, 'schema' | 'name'>): string {
  return qualified(table.schema, table.name);
}

async function columnsWithPrivilege(
  client: pg.Client,
  role: string,
  table: TableInfo,
  privilege: 'SELECT' | 'UPDATE',
): Promise<string[]> {
  const result = await client.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND has_column_privilege($2, a.attrelid, a.attnum, $3)
      ORDER BY a.attnum`,
    [tableOf(table), role, privilege],
  );
  return result.rows.map((row) => row.name);
}

export interface RowsSeen {
  table: string;
  /** the columns the tenant role may read; none means the table is unreadable */
  columns: string[];
  rows: string[];
  error: string | null;
}

/** Every row of every table as the tenant role with `identity` (only the columns it may read). */
export async function readTablesAs(
  client: pg.Client,
  scope: TenantScope,
  identity: TenantIdentity,
  tables: readonly TableInfo[],
): Promise<RowsSeen[]> {
  const seen: RowsSeen[] = [];
  for (const table of tables) {
    const columns = await columnsWithPrivilege(client, scope.tenantRole, table, 'SELECT');
    const name = `${table.schema}.${table.name}`;
    if (columns.length === 0) {
      seen.push({ table: name, columns, rows: [], error: null });
      continue;
    }
    const list = columns.map((c) => `t.${quoteIdent(c)}`).join(', ');
    // a refused read aborts the transaction; asTenant rolls it back either way
    const outcome = await asTenant(client, scope, identity, async () => {
      try {
        const result = await client.query<{ row: string }>(
          `SELECT json_build_array(${list})::text AS row FROM ${tableOf(table)} AS t LIMIT ${MAX_ROWS_READ}`,
        );
        return { rows: result.rows.map((r) => r.row), error: null };
      } catch (error) {
        return {
          rows: [],
          error: `${sqlStateOf(error)}: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    });
    seen.push({ table: name, columns, ...outcome });
  }
  return seen;
}

/** A row is the tenant's if it holds one of its identifiers; another tenant's if it holds one of theirs. */
export function classifyRows(rows: readonly string[], me: TenantIds, other: TenantIds) {
  const mine = (row: string) => me.identifiers.some((id) => row.includes(id));
  const theirs = (row: string) => other.identifiers.some((id) => row.includes(id));
  return {
    own: rows.filter((row) => mine(row) && !theirs(row)).length,
    foreign: rows.filter(theirs),
    unattributed: rows.filter((row) => !mine(row) && !theirs(row)),
  };
}

/** Rows of a table that hold one of `ids`, read by the admin (RLS does not apply to it). */
async function rowsHolding(
  client: pg.Client,
  table: TableInfo,
  ids: readonly string[],
): Promise<{ ctid: string; row: Record<string, unknown> }[]> {
  const result = await client.query<{ ctid: string; row: Record<string, unknown> }>(
    // the row alias must not be a plausible column name: `to_jsonb(t)` reads a column called t
    `SELECT harness_row.ctid::text AS ctid, to_jsonb(harness_row) AS row FROM ${tableOf(table)} AS harness_row
      WHERE to_jsonb(harness_row)::text LIKE ANY($1) LIMIT 5`,
    [ids.map((id) => `%${id.replace(/[\\%_]/g, '\\$&')}%`)],
  );
  return result.rows;
}

interface ColumnShape {
  name: string;
  type: string;
  generated: boolean;
}

async function shapeOf(client: pg.Client, table: TableInfo) {
  const columns = await client.query<ColumnShape>(
    `SELECT attname AS name, format_type(atttypid, atttypmod) AS type,
            (attgenerated <> '' OR attidentity = 'a') AS generated
       FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [tableOf(table)],
  );
  const unique = await client.query<{ primary: boolean; columns: string[] }>(
    `SELECT i.indisprimary AS primary,
            ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) AS k
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k) AS columns
       FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique`,
    [tableOf(table)],
  );
  const foreign = await client.query<{ columns: string[] }>(
    `SELECT ARRAY(SELECT a.attname::text FROM unnest(c.conkey) AS k
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k) AS columns
       FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'f'`,
    [tableOf(table)],
  );
  return {
    columns: columns.rows,
    uniqueIndexes: unique.rows,
    foreignKeyColumns: new Set(foreign.rows.flatMap((row) => row.columns)),
  };
}

/** A different value of the same type, so a copied row does not collide with its original. */
function freshValue(type: string, value: unknown): unknown {
  const noise = randomBytes(3).toString('hex');
  if (type === 'uuid') return randomUUID();
  if (/^(text|character varying|varchar|citext)/.test(type) && typeof value === 'string') {
    return value.includes('@') ? value.replace('@', `+h${noise}@`) : `${value.slice(0, 80)}-h${noise}`;
  }
  if (type === 'bytea' && typeof value === 'string' && value.startsWith('\\x')) {
    return `\\x${randomBytes((value.length - 2) / 2).toString('hex')}`;
  }
  if (type.startsWith('timestamp') && typeof value === 'string') {
    return new Date(Date.parse(value) + 1_000 + randomBytes(2).readUInt16BE(0) * 1_000).toISOString();
  }
  if (/^(integer|bigint|smallint)/.test(type) && typeof value === 'number')
    return value + 1 + randomBytes(1)[0]!;
  if (type === 'inet') return `10.${randomBytes(3).join('.')}`;
  return value;
}

/** B's row with one column of each unique index changed (a key or name, never an owner reference). */
function copyOfRow(shape: Awaited<ReturnType<typeof shapeOf>>, row: Record<string, unknown>, owner: string) {
  const copy = { ...row };
  for (const index of shape.uniqueIndexes) {
    const pick =
      index.columns.find((c) => !shape.foreignKeyColumns.has(c) && (index.primary || copy[c] !== owner)) ??
      index.columns[0];
    const column = shape.columns.find((c) => c.name === pick);
    if (column !== undefined) copy[column.name] = freshValue(column.type, copy[column.name]);
  }
  return copy;
}

export type WriteOutcome = { ok: true; rowCount: number } | { ok: false; sqlState: string; message: string };

export interface ForeignWrite {
  table: string;
  write: 'update' | 'delete' | 'insert' | 'reassign';
  /** the admin doing the same: proves the statement would have hit a row */
  control: WriteOutcome;
  tenant: WriteOutcome;
  /** the tenant changed another tenant's data (or gave its own row away) */
  breached: boolean;
  /** the admin's control failed, so the tenant's result proves nothing */
  inconclusive: boolean;
}

const hit = (outcome: WriteOutcome) => outcome.ok && outcome.rowCount > 0;

async function both(
  client: pg.Client,
  scope: TenantScope,
  me: TenantIds,
  sql: string,
  params: unknown[],
): Promise<{ control: WriteOutcome; tenant: WriteOutcome }> {
  const control = await rolledBack(client, () => attempt(client, sql, params));
  const tenant = await asTenant(client, scope, { userId: me.userId }, () => attempt(client, sql, params));
  return { control, tenant };
}

/**
 * As tenant `me`: update, delete and insert a copy of one of `other`'s rows in `table`, and give
 * one of its own rows to `other`. Every statement runs first as the admin (it must hit), then as
 * the tenant (it must not); all of it is rolled back.
 */
export async function attemptForeignWrites(
  client: pg.Client,
  scope: TenantScope,
  table: TableInfo,
  me: TenantIds,
  other: TenantIds,
): Promise<ForeignWrite[]> {
  const name = `${table.schema}.${table.name}`;
  const results: ForeignWrite[] = [];
  const record = (
    write: ForeignWrite['write'],
    outcome: { control: WriteOutcome; tenant: WriteOutcome },
    breached: boolean,
  ) => results.push({ table: name, write, ...outcome, breached, inconclusive: !hit(outcome.control) });
  const [theirs] = await rowsHolding(client, table, other.identifiers);
  const updatable = await columnsWithPrivilege(client, scope.tenantRole, table, 'UPDATE');
  const shape = await shapeOf(client, table);
  const anyColumn = updatable[0] ?? shape.columns[0]?.name;
  if (theirs !== undefined && anyColumn !== undefined) {
    const column = quoteIdent(anyColumn);
    const update = await both(
      client,
      scope,
      me,
      `UPDATE ${tableOf(table)} SET ${column} = ${column} WHERE ctid = $1::tid`,
      [theirs.ctid],
    );
    record('update', update, hit(update.tenant));
    const remove = await both(client, scope, me, `DELETE FROM ${tableOf(table)} WHERE ctid = $1::tid`, [
      theirs.ctid,
    ]);
    record('delete', remove, hit(remove.tenant));
    const insertable = shape.columns.filter((c) => !c.generated).map((c) => quoteIdent(c.name));
    const copy = copyOfRow(shape, theirs.row, other.userId);
    const insert = await both(
      client,
      scope,
      me,
      `INSERT INTO ${tableOf(table)} (${insertable.join(', ')})
       SELECT ${insertable.join(', ')} FROM jsonb_populate_record(NULL::${tableOf(table)}, $1::jsonb)`,
      [JSON.stringify(copy)],
    );
    record('insert', insert, insert.tenant.ok);
  }
  const [mine] = await rowsHolding(client, table, [me.userId]);
  const ownerColumn =
    mine === undefined ? undefined : Object.keys(mine.row).find((column) => mine.row[column] === me.userId);
  if (mine !== undefined && ownerColumn !== undefined) {
    const column = quoteIdent(ownerColumn);
    const reassign = await both(
      client,
      scope,
      me,
      `UPDATE ${tableOf(table)} SET ${column} = $2 WHERE ctid = $1::tid`,
      [mine.ctid, other.userId],
    );
    record('reassign', reassign, hit(reassign.tenant));
  }
  return results;
}

/** `count(*)` of each table as the tenant role with `identity`; a refused read counts as zero rows, with its reason. */
export async function countRowsAs(
  client: pg.Client,
  scope: TenantScope,
  identity: TenantIdentity,
  tables: readonly TableInfo[],
): Promise<{ table: string; rows: number; refused: string | null }[]> {
  const counts: { table: string; rows: number; refused: string | null }[] = [];
  for (const table of tables) {
    const outcome = await asTenant(client, scope, identity, async () => {
      try {
        const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableOf(table)}`);
        return { rows: Number(result.rows[0]?.n ?? 0), refused: null };
      } catch (error) {
        return {
          rows: 0,
          refused: `${sqlStateOf(error)}: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
    });
    counts.push({ table: `${table.schema}.${table.name}`, ...outcome });
  }
  return counts;
}

/** `count(*)` of each table as the admin, for the positive control beside the tenant's counts. */
export async function countRowsAsAdmin(client: pg.Client, tables: readonly TableInfo[]) {
  const counts: { table: string; rows: number }[] = [];
  for (const table of tables) {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableOf(table)}`);
    counts.push({ table: `${table.schema}.${table.name}`, rows: Number(result.rows[0]?.n ?? 0) });
  }
  return counts;
}

/** How many rows of each table hold one of `identifiers`, as the admin. */
export async function countRowsHolding(
  client: pg.Client,
  tables: readonly TableInfo[],
  identifiers: readonly string[],
): Promise<{ table: string; rows: number }[]> {
  const counts: { table: string; rows: number }[] = [];
  const patterns = identifiers.map((id) => `%${id.replace(/[\\%_]/g, '\\$&')}%`);
  for (const table of tables) {
    const result = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${tableOf(table)} AS harness_row WHERE to_jsonb(harness_row)::text LIKE ANY($1)`,
      [patterns],
    );
    counts.push({ table: `${table.schema}.${table.name}`, rows: Number(result.rows[0]?.n ?? 0) });
  }
  return counts;
}
