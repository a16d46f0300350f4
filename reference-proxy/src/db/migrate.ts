// Applies reference-proxy/migrations/*.sql at start, once each, under an advisory lock shared by all replicas.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url).pathname;

// Any fixed 64-bit number works; replicas only need to agree on it ("mintoken" in ASCII).
const MIGRATION_LOCK_ID = 0x6d_69_6e_74_6f_6b_65_6en;

export interface Migration {
  name: string;
  sql: string;
}

/** The migrations to apply, in order; the server takes them from the `migrations` component. */
export type MigrationSource = () => Promise<Migration[]>;

/** The `*.sql` files of `dir`, in name order. */
export function migrationsIn(dir = MIGRATIONS_DIR): MigrationSource {
  return async () => {
    const files = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
    return Promise.all(files.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
  };
}

export async function runMigrations(
  db: Database,
  logger: Logger,
  source: MigrationSource = migrationsIn(),
): Promise<void> {
  const migrations = await source();
  const client = await db.connect();
  try {
    // a session lock, not a transaction lock: it must span every file's own transaction
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID.toString()]);
    try {
      // the bookkeeping table lives outside `public`, whose tables are all tenant-audited
      await client.query('CREATE SCHEMA IF NOT EXISTS mintoken_meta');
      await client.query('REVOKE ALL ON SCHEMA mintoken_meta FROM PUBLIC');
      await client.query(
        `CREATE TABLE IF NOT EXISTS mintoken_meta.schema_migrations (
           name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = await client.query<{ name: string }>(
        'SELECT name FROM mintoken_meta.schema_migrations',
      );
      const done = new Set(applied.rows.map((row) => row.name));
      for (const { name, sql } of migrations) {
        if (done.has(name)) continue;
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO mintoken_meta.schema_migrations (name) VALUES ($1)', [name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        logger.info({ migration: name }, 'migration applied');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID.toString()]);
    }
  } finally {
    client.release();
  }
}
