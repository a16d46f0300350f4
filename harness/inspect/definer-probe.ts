// TENANCY-06's behavioural half: as one tenant, read every view and call every SECURITY DEFINER function the tenant role may use; nothing of another tenant may come back.
import type pg from 'pg';
import { asTenant, qualified, sqlStateOf, type TenantScope } from './admin-session.ts';
import type { Catalog } from './catalog.ts';
import type { TenantIds } from './row-isolation.ts';

export interface ExposureResult {
  object: string;
  kind: 'view' | 'function';
  /** the arguments the call passed (another tenant's ids, to ask for its rows) */
  args: string[];
  rows: number;
  /** the other tenant's identifiers found in the answer, beyond those passed in */
  foreign: string[];
  error: string | null;
}

const MAX_ROWS = 1_000;

/** An argument for a parameter of this type that asks for the other tenant's data, or null. */
function argumentFor(type: string, other: TenantIds): string | null {
  if (type === 'uuid' || type === 'text' || type === 'character varying') return other.userId;
  return null;
}

async function readAs(
  client: pg.Client,
  scope: TenantScope,
  me: TenantIds,
  sql: string,
  params: unknown[],
): Promise<{ text: string; rows: number; error: string | null }> {
  return asTenant(client, scope, { userId: me.userId }, async () => {
    try {
      const result = await client.query<{ row: string }>(sql, params);
      return { text: result.rows.map((r) => r.row).join('\n'), rows: result.rowCount ?? 0, error: null };
    } catch (error) {
      return {
        text: '',
        rows: 0,
        error: `${sqlStateOf(error)}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  });
}

/**
 * Every view the tenant role can SELECT and every definer function it can EXECUTE, used as `me`
 * with the other tenant's ids as arguments. Calls run in rolled-back transactions.
 */
export async function probeDefinerExposure(
  client: pg.Client,
  scope: TenantScope,
  catalog: Pick<Catalog, 'views' | 'definerFunctions'>,
  me: TenantIds,
  other: TenantIds,
): Promise<ExposureResult[]> {
  const results: ExposureResult[] = [];
  const foreignIn = (text: string, passed: readonly string[]) =>
    other.identifiers.filter((id) => !passed.includes(id) && text.includes(id));
  for (const view of catalog.views.filter((v) => v.tenantCanSelect)) {
    const object = `${view.schema}.${view.name}`;
    const read = await readAs(
      client,
      scope,
      me,
      `SELECT to_jsonb(harness_row)::text AS row FROM ${qualified(view.schema, view.name)} AS harness_row LIMIT ${MAX_ROWS}`,
      [],
    );
    results.push({
      object,
      kind: 'view',
      args: [],
      rows: read.rows,
      foreign: foreignIn(read.text, []),
      error: read.error,
    });
  }
  for (const fn of catalog.definerFunctions.filter((f) => f.tenantCanExecute)) {
    const args = fn.argTypes.map((type) => argumentFor(type, other));
    const object = `${fn.schema}.${fn.name}(${fn.signature})`;
    if (args.some((arg) => arg === null)) {
      results.push({
        object,
        kind: 'function',
        args: [],
        rows: 0,
        foreign: [],
        error: `no test value for (${fn.argTypes.join(', ')})`,
      });
      continue;
    }
    const passed = args as string[];
    const placeholders = fn.argTypes.map((type, i) => `$${i + 1}::${type}`).join(', ');
    const read = await readAs(
      client,
      scope,
      me,
      `SELECT to_jsonb(harness_row)::text AS row FROM ${qualified(fn.schema, fn.name)}(${placeholders}) AS harness_row LIMIT ${MAX_ROWS}`,
      passed,
    );
    results.push({
      object,
      kind: 'function',
      args: passed,
      rows: read.rows,
      foreign: foreignIn(read.text, passed),
      error: read.error,
    });
  }
  return results;
}
