/** The database sinks: every row of every non-system schema, the statement log, and the scratch table that plants a control. */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { ControlPlant } from '../control-plant.ts';
import type { LocationMatches, NeedleTable } from '../needle-table.ts';
import type { SweptSource } from '../sweep-types.ts';

/** Where the control's scratch tables live: a schema of their own, outside the manifest's schemas. */
export const CONTROL_SCHEMA = 'harness_sweep_control';

// a column may be called anything: the row alias must not be a plausible column name
const ROW_ALIAS = 'harness_sweep_row';
const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * Plants the control in a table of its own with literal values, so one INSERT reaches the rows,
 * the statement log (log_statement=all) and, after CHECKPOINT, the data files and the WAL.
 * Returns the table's qualified name and a function that drops it.
 */
export async function plantControlTable(
  client: pg.Client,
  control: ControlPlant,
): Promise<{ table: string; drop: () => Promise<void> }> {
  const table = `${CONTROL_SCHEMA}.plant_${randomBytes(6).toString('hex')}`;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`).catch(() => undefined);
  await client.query(`CREATE TABLE ${table} (embedding text, t text, j jsonb, b bytea, a text[])`);
  const literal = (value: string) => client.escapeLiteral(value);
  const values = control
    .lines()
    .map(([label, text]) => `(${literal(label)}, ${literal(text)}, NULL, NULL, NULL)`);
  values.push(
    `('jsonb', NULL, ${literal(JSON.stringify({ provider_key: control.columnCanary('jsonb') }))}::jsonb, NULL, NULL)`,
    `('bytea', NULL, NULL, '\\x${Buffer.from(control.columnCanary('bytea')).toString('hex')}'::bytea, NULL)`,
    `('text[]', NULL, NULL, NULL, ARRAY[${literal(control.columnCanary('text[]'))}])`,
  );
  await client.query(`INSERT INTO ${table} VALUES ${values.join(', ')}`);
  return { table, drop: async () => void (await client.query(`DROP TABLE IF EXISTS ${table}`)) };
}

/** Pushes everything Postgres holds in memory to the data files and closes the current WAL segment. */
export async function flushToDisk(client: pg.Client): Promise<void> {
  await client.query('CHECKPOINT');
  await client.query('SELECT pg_switch_wal()');
  await client.query('CHECKPOINT');
}

interface TableRef {
  schema: string;
  table: string;
  byteaColumns: string[];
}

/** Every ordinary and materialised table outside pg_catalog, information_schema, pg_toast and temp schemas. */
async function userTables(client: pg.Client): Promise<TableRef[]> {
  const result = await client.query<{ schema: string; table: string; bytea: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.atttypid = 'bytea'::regtype) AS bytea
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'm')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%'
      GROUP BY n.nspname, c.relname
      ORDER BY 1, 2`,
  );
  return result.rows.map((row) => ({ schema: row.schema, table: row.table, byteaColumns: row.bytea ?? [] }));
}

export interface RowsScan {
  sources: SweptSource[];
  matches: Array<{ matches: LocationMatches; rowAt: (offset: number) => string }>;
  bytes: number;
  rows: number;
}

/**
 * Reads every row of every user table as the superuser (RLS does not hide rows from it): each row
 * as `row_to_json` text (text, jsonb, arrays; bytea as `\x` hex), then bytea columns' raw bytes.
 */
export async function scanRows(client: pg.Client, table: NeedleTable): Promise<RowsScan> {
  const scan: RowsScan = { sources: [], matches: [], bytes: 0, rows: 0 };
  for (const ref of await userTables(client)) {
    const qualified = `${quoteIdent(ref.schema)}.${quoteIdent(ref.table)}`;
    const byteaList = ref.byteaColumns.map((c) => `${ROW_ALIAS}.${quoteIdent(c)}`).join(', ');
    let rows: Array<{ ctid: string; j: string } & Record<string, unknown>>;
    try {
      const result = await client.query<{ ctid: string; j: string } & Record<string, unknown>>(
        `SELECT ${ROW_ALIAS}.ctid::text AS ctid, row_to_json(${ROW_ALIAS})::text AS j${byteaList ? `, ${byteaList}` : ''} FROM ${qualified} AS ${ROW_ALIAS}`,
      );
      rows = result.rows;
    } catch (error) {
      // a scratch table dropped by a concurrent sweep between listing and reading
      const code = (error as { code?: string }).code;
      if (code === '42P01' || code === '3F000') continue;
      throw error;
    }
    const parts: Buffer[] = [];
    const starts: number[] = [];
    let size = 0;
    for (const row of rows) {
      starts.push(size);
      const rowParts: Buffer[] = [Buffer.from(row.j, 'utf8')];
      for (const column of ref.byteaColumns) {
        const value = row[column];
        if (Buffer.isBuffer(value)) rowParts.push(value);
      }
      for (const part of [...rowParts, Buffer.from('\n')]) {
        parts.push(part);
        size += part.length;
      }
    }
    const bytes = Buffer.concat(parts, size);
    const location = `${ref.schema}.${ref.table}`;
    const matches = table.scanBuffer(location, bytes);
    const ctids = rows.map((row) => row.ctid);
    const rowAt = (offset: number): string => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return `${location} row ctid ${ctids[lo] ?? '?'}`;
    };
    scan.matches.push({ matches, rowAt });
    scan.sources.push({ location, bytes: size, rows: rows.length });
    scan.bytes += size;
    scan.rows += rows.length;
  }
  return scan;
}
