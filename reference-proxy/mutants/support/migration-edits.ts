// Shared by the SQL mutants: one targeted edit of a shipped migration, or one more migration after them.
import type { Components } from '../../src/components.ts';
import type { Migration, MigrationSource } from '../../src/db/migrate.ts';

/**
 * The migrations with `written` replaced by `mutated` in the file `name`. A mutant that silently
 * stops applying is no mutant: it fails at start when the migration no longer holds `written`.
 */
export function editMigration(
  components: Components,
  name: string,
  written: string,
  mutated: string,
): MigrationSource {
  const edit = (migration: Migration): Migration => {
    if (migration.name !== name) return migration;
    if (!migration.sql.includes(written)) {
      throw new Error(
        `mutant out of date: ${name} no longer contains ${JSON.stringify(written.slice(0, 80))}`,
      );
    }
    return { ...migration, sql: migration.sql.replace(written, mutated) };
  };
  return async () => (await components.migrations()).map(edit);
}

/** The migrations followed by one more. */
export function appendMigration(components: Components, migration: Migration): MigrationSource {
  return async () => [...(await components.migrations()), migration];
}
