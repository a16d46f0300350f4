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

/**
 * Content-capable columns of the table that holds usage rows, other than the contract's own usage
 * fields: anything else there (a "prompt_preview", a "request_meta") can receive content.
 */
export function extraUsageColumns(
  columns: readonly CatalogColumn[],
  usageTable: { schema: string; table: string },
  contractFields: readonly string[],
): CatalogColumn[] {
  return columns.filter(
    (c) =>
      c.schema === usageTable.schema &&
      c.table === usageTable.table &&
      c.holdsContent &&
      !contractFields.includes(c.column),
  );
}

/** The table whose `id` column holds `id` (the API's usage row id): where the usage rows live. */
export async function tableHoldingId(
  client: pg.Client,
  id: string,
  options: { includeControl?: boolean } = {},
): Promise<{ schema: string; table: string } | null> {
  const candidates = (await catalogColumns(client, options)).filter((c) => c.column === 'id');
  for (const { schema, table } of candidates) {
    const qualified = `"${schema.replaceAll('"', '""')}"."${table.replaceAll('"', '""')}"`;
    try {
      const found = await client.query(`SELECT 1 FROM ${qualified} WHERE id::text = $1 LIMIT 1`, [id]);
      if (found.rowCount !== null && found.rowCount > 0) return { schema, table };
    } catch (error) {
      // another suite's scratch table, dropped between the catalog read and this query
      if (!DROPPED_MEANWHILE.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
  return null;
}

/**
 * The positive control: a scratch table shaped like a usage table that also keeps a prompt preview,
 * a response body and request headers. The audit must find it by id and flag those three columns.
 */
export async function plantContentTable(client: pg.Client): Promise<{
  table: { schema: string; table: string };
  id: string;
  planted: string[];
  drop: () => Promise<void>;
}> {
  const name = `catalog_${randomBytes(6).toString('hex')}`;
  const qualified = `${CONTROL_SCHEMA}.${name}`;
  const id = randomUUID();
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`).catch(() => undefined);
  await client.query(
    `CREATE TABLE ${qualified} (id uuid PRIMARY KEY, key_id uuid, provider text, model text, input_tokens integer,
       output_tokens integer, status_code integer, created_at timestamptz, prompt_preview text, response_body jsonb,
       request_headers text[])`,
  );
  await client.query(`INSERT INTO ${qualified} (id) VALUES ($1)`, [id]);
  return {
    table: { schema: CONTROL_SCHEMA, table: name },
    id,
    planted: ['prompt_preview', 'response_body', 'request_headers'],
    drop: async () => void (await client.query(`DROP TABLE IF EXISTS ${qualified}`)),
  };
}
