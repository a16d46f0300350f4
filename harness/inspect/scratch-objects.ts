// Deliberately bad database objects in a scratch schema (and scratch roles): the inspector's positive controls, dropped after use.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { HarnessError, messageOf } from '../errors.ts';
import { quoteIdent } from './admin-session.ts';
import { SCRATCH_SCHEMA_PREFIX } from './catalog.ts';

export interface ScratchObjects {
  schema: string;
  roles: { bypassRls: string; superuser: string; memberOfSuperuser: string };
  /** the objects each lint must flag, as `schema.name` */
  expected: {
    rlsDisabled: string;
    notForcedForRuntimeOwner: string;
    noPolicy: string;
    missingCommands: string;
    updateWithoutCheck: string;
    definerView: string;
    materializedView: string;
    definerFunction: string;
    ownedByBypassRole: string;
  };
  /** a definer view and a definer function that return every row of a table holding these owners' ids */
  leaks: { view: string; function: string; plantedOwners: string[] };
  drop(): Promise<void>;
}

/**
 * Creates, as the admin, one object per mistake the audits look for, in a fresh schema whose
 * name starts with `harness_scratch_` (the real audits skip those), plus three NOLOGIN roles.
 * `plantedOwners` (tenant ids) go into a table only definer objects can read in full.
 */
export async function createScratchObjects(
  client: pg.Client,
  tenantRole: string,
  plantedOwners: readonly string[] = [],
): Promise<ScratchObjects> {
  const suffix = randomBytes(5).toString('hex');
  const schema = `${SCRATCH_SCHEMA_PREFIX}${suffix}`;
  const s = quoteIdent(schema);
  const tenant = quoteIdent(tenantRole);
  const roles = {
    bypassRls: `harness_scratch_bypass_${suffix}`,
    superuser: `harness_scratch_super_${suffix}`,
    memberOfSuperuser: `harness_scratch_member_${suffix}`,
  };
  const drop = async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    for (const role of Object.values(roles)) await client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  };
  const owners = plantedOwners.map((owner) => `(${client.escapeLiteral(owner)})`).join(', ');
  const statements = [
    `CREATE SCHEMA ${s}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${tenant}`,
    // 0013 and 0007: policies written, RLS never enabled
    `CREATE TABLE ${s}.rls_off (id int)`,
    `CREATE POLICY rls_off_select ON ${s}.rls_off FOR SELECT USING (true)`,
    // RLS on but not forced, and the tenant role owns the table: the owner bypasses the policies
    `CREATE TABLE ${s}.not_forced (id int)`,
    `ALTER TABLE ${s}.not_forced ENABLE ROW LEVEL SECURITY`,
    `CREATE POLICY not_forced_all ON ${s}.not_forced USING (false) WITH CHECK (false)`,
    `ALTER TABLE ${s}.not_forced OWNER TO ${tenant}`,
    `CREATE TABLE ${s}.no_policy (id int)`,
    `ALTER TABLE ${s}.no_policy ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${s}.no_policy FORCE ROW LEVEL SECURITY`,
    `CREATE TABLE ${s}.select_only (id int)`,
    `ALTER TABLE ${s}.select_only ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${s}.select_only FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY select_only_select ON ${s}.select_only FOR SELECT USING (false)`,
    `CREATE TABLE ${s}.update_no_check (id int)`,
    `ALTER TABLE ${s}.update_no_check ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${s}.update_no_check FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY unc_select ON ${s}.update_no_check FOR SELECT USING (false)`,
    `CREATE POLICY unc_insert ON ${s}.update_no_check FOR INSERT WITH CHECK (false)`,
    `CREATE POLICY unc_update ON ${s}.update_no_check FOR UPDATE USING (false)`,
    `CREATE POLICY unc_delete ON ${s}.update_no_check FOR DELETE USING (false)`,
    `CREATE VIEW ${s}.definer_view AS SELECT id FROM ${s}.rls_off`,
    `GRANT SELECT ON ${s}.definer_view TO ${tenant}`,
    `CREATE MATERIALIZED VIEW ${s}.materialized AS SELECT 1 AS one`,
    `GRANT SELECT ON ${s}.materialized TO ${tenant}`,
    `CREATE FUNCTION ${s}.definer_function() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'`,
    // leaks: the table admits no tenant, but objects that run as the admin read all of it
    `CREATE TABLE ${s}.planted (owner text)`,
    `ALTER TABLE ${s}.planted ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${s}.planted FORCE ROW LEVEL SECURITY`,
    ...(owners === '' ? [] : [`INSERT INTO ${s}.planted (owner) VALUES ${owners}`]),
    `CREATE VIEW ${s}.leaky_view AS SELECT owner FROM ${s}.planted`,
    `GRANT SELECT ON ${s}.leaky_view TO ${tenant}`,
    `CREATE FUNCTION ${s}.leaky_function() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
       SET search_path = '' AS 'SELECT owner FROM ${s}.planted'`,
    `GRANT EXECUTE ON FUNCTION ${s}.leaky_function() TO ${tenant}`,
    // roles for the tenant-role audit
    `CREATE ROLE ${quoteIdent(roles.bypassRls)} NOLOGIN BYPASSRLS`,
    `CREATE ROLE ${quoteIdent(roles.superuser)} NOLOGIN SUPERUSER`,
    `CREATE ROLE ${quoteIdent(roles.memberOfSuperuser)} NOLOGIN`,
    `GRANT ${quoteIdent(roles.superuser)} TO ${quoteIdent(roles.memberOfSuperuser)}`,
    `CREATE TABLE ${s}.owned_by_role (id int)`,
    `ALTER TABLE ${s}.owned_by_role OWNER TO ${quoteIdent(roles.bypassRls)}`,
  ];
  try {
    for (const statement of statements) await client.query(statement);
  } catch (error) {
    await drop().catch(() => undefined);
    throw new HarnessError(
      'HARNESS_ERR_DB_INSPECTOR_BLIND',
      `could not create the inspector's deliberately bad objects in ${schema} (the admin connection must be a superuser): ${messageOf(error)}`,
      { cause: error },
    );
  }
  const at = (name: string) => `${schema}.${name}`;
  return {
    schema,
    roles,
    expected: {
      rlsDisabled: at('rls_off'),
      notForcedForRuntimeOwner: at('not_forced'),
      noPolicy: at('no_policy'),
      missingCommands: at('select_only'),
      updateWithoutCheck: `${at('update_no_check')} policy unc_update`,
      definerView: at('definer_view'),
      materializedView: at('materialized'),
      definerFunction: `${at('definer_function')}()`,
      ownedByBypassRole: at('owned_by_role'),
    },
    leaks: { view: at('leaky_view'), function: at('leaky_function'), plantedOwners: [...plantedOwners] },
    drop,
  };
}
