/** A database catalog audit: which columns could receive request or response content (prompts, completions, headers). */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { CONTROL_SCHEMA } from './sinks/database-sink.ts';

export interface CatalogColumn {
  schema: string;
  table: string;
  column: string;
  /** `format_type` of the column, e.g. `text`, `character varying(128)`, `jsonb`, `text[]` */
  type: string;
  /** text, character types, json, jsonb, bytea, xml, arrays, composites, or a domain over one of them */
  holdsContent: boolean;
}

/** undefined_table, invalid_schema_name: what a concurrently dropped scratch object raises. */
const DROPPED_MEANWHILE = new Set(['42P01', '3F000']);

/** Column names that say "this holds what was said": a prompt, a completion, a message, a body, headers. */
export const CONTENT_COLUMN_NAME =
  /(^|_)(prompts?|completions?|messages?|contents?|body|bodies|requests?|responses?|payloads?|headers?|transcripts?|conversations?|inputs?|outputs?|texts?|choices|instructions?)(_|$)/i;

/** Every column of every table in every non-system schema (the harness's scratch schema excluded). */
export async function catalogColumns(
  client: pg.Client,
  options: { includeControl?: boolean } = {},
): Promise<CatalogColumn[]> {
  const result = await client.query<CatalogColumn>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname::text AS column,
            format_type(a.atttypid, a.atttypmod) AS type,
            (bt.typcategory IN ('S', 'A') OR bt.typtype = 'c'
              OR bt.oid IN ('json'::regtype, 'jsonb'::regtype, 'bytea'::regtype, 'xml'::regtype, 'tsvector'::regtype)) AS "holdsContent"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE a.attnum > 0 AND NOT a.attisdropped
        AND c.relkind IN ('r', 'p', 'm', 'v', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%'
        AND ($1 OR n.nspname <> $2)
      ORDER BY 1, 2, a.attnum`,
    [options.includeControl ?? false, CONTROL_SCHEMA],
  );
  return result.rows;
}

/** Content-capable columns whose name says they hold content. */
export function contentNamedColumns(columns: readonly CatalogColumn[]): CatalogColumn[] {
  return columns.filter((c) => c.holdsContent && CONTENT_COLUMN_NAME.test(c.column));
}

/** A stored row that holds a value the API showed (a usage row's id), under whatever column names the target chose. */
export interface RowHoldingValue {
  schema: string;
  table: string;
  /** the column that held the value */
  column: string;
  /** the row, column name → value (row_to_json) */
  row: Record<string, unknown>;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Every stored table (not views) with a row whose column, any column of any name, holds `value` as
 * text: where a usage row the API showed lives, whatever the target called the table or its columns.
 */
export async function rowsHoldingValue(
  client: pg.Client,
  value: string,
  options: { includeControl?: boolean } = {},
): Promise<RowHoldingValue[]> {
  const stored = await client.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')`,
  );
  const isStored = new Set(stored.rows.map((r) => `${r.schema}\0${r.table}`));
  const byTable = new Map<string, CatalogColumn[]>();
  for (const c of await catalogColumns(client, options)) {
    const key = `${c.schema}\0${c.table}`;
    if (!isStored.has(key)) continue;
    byTable.set(key, [...(byTable.get(key) ?? []), c]);
  }
  const out: RowHoldingValue[] = [];
  for (const columns of byTable.values()) {
    const { schema, table } = columns[0] as CatalogColumn;
    const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
    for (const { column } of columns) {
      try {
        const found = await client.query<{ row: Record<string, unknown> }>(
          // the row alias must not be a plausible column name: `row_to_json(t)` reads a column called t
          `SELECT row_to_json(harness_row) AS row FROM ${qualified} harness_row WHERE harness_row.${quoteIdent(column)}::text = $1 LIMIT 1`,
          [value],
        );
        const row = found.rows[0]?.row;
        if (row !== undefined) {
          out.push({ schema, table, column, row });
          break;
        }
      } catch (error) {
        // another suite's scratch table, dropped between the catalog read and this query
        if (!DROPPED_MEANWHILE.has((error as { code?: string }).code ?? '')) throw error;
      }
    }
  }
  return out;
}

const normalised = (value: unknown): string =>
  (typeof value === 'string' ? value : JSON.stringify(value)).trim().toLowerCase();

/**
 * Content-capable columns of a stored usage row that hold something the API's view of that row does
 * not show: a prompt preview, a response body, request headers. Column names do not matter: a
 * column whose value is one of the API row's values (the provider, the model, the id…) is that
 * field under the target's own name; a NULL or empty one holds nothing here (the name check covers it).
 */
export function extraUsageColumns(
  columns: readonly CatalogColumn[],
  stored: RowHoldingValue,
  apiRow: Readonly<Record<string, unknown>>,
): CatalogColumn[] {
  const shown = new Set(
    Object.values(apiRow)
      .filter((v) => v !== null && v !== undefined)
      .map(normalised),
  );
  return columns.filter((c) => {
    if (c.schema !== stored.schema || c.table !== stored.table || !c.holdsContent) return false;
    const value = stored.row[c.column];
    if (value === null || value === undefined) return false;
    const text = normalised(value);
    if (text === '' || text === '""' || text === '[]' || text === '{}') return false;
    return !shown.has(text);
  });
}

/**
 * The positive control: a scratch table shaped like a usage table that also keeps a prompt preview,
 * a response body and request headers. The audit must find it by id and flag those three columns.
 */
export async function plantContentTable(client: pg.Client): Promise<{
  table: { schema: string; table: string };
  id: string;
  /** what the API would show for the planted row */
  apiRow: Record<string, unknown>;
  planted: string[];
  drop: () => Promise<void>;
}> {
  const name = `catalog_${randomBytes(6).toString('hex')}`;
  const qualified = `${CONTROL_SCHEMA}.${name}`;
  const id = randomUUID();
  const keyId = randomUUID();
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`).catch(() => undefined);
  // names unlike the API's: the audit must map columns by value, not by name
  await client.query(
    `CREATE TABLE ${qualified} (entry_ref uuid PRIMARY KEY, api_key_ref uuid, vendor text, model_name varchar(128),
       tokens_in integer, tokens_out integer, http_status integer, logged_at timestamptz, prompt_preview text,
       response_body jsonb, request_headers text[])`,
  );
  await client.query(
    `INSERT INTO ${qualified} VALUES ($1, $2, 'openai', 'mock-model', 12, 34, 200, now(), $3, $4, $5)`,
    [
      id,
      keyId,
      'planted prompt preview',
      JSON.stringify({ choices: [{ message: { content: 'planted' } }] }),
      ['authorization: Bearer planted'],
    ],
  );
  return {
    table: { schema: CONTROL_SCHEMA, table: name },
    id,
    apiRow: {
      id,
      key_id: keyId,
      provider: 'openai',
      model: 'mock-model',
      input_tokens: 12,
      output_tokens: 34,
      status_code: 200,
      created_at: new Date().toISOString(),
    },
    planted: ['prompt_preview', 'response_body', 'request_headers'],
    drop: async () => void (await client.query(`DROP TABLE IF EXISTS ${qualified}`)),
  };
}
