-- Roles and the auth schema. Roles are cluster-wide, so every CREATE is guarded: a second
-- database (or a second replica) in the same cluster must find them and move on.

DO $$
DECLARE
  set_privilege text := CASE WHEN current_setting('server_version_num')::int >= 160000 THEN 'SET' ELSE 'MEMBER' END;
  can_set_tenant boolean;
  can_set_service boolean;
BEGIN
  -- the advisory lock serialises replicas of one database; another database in the same cluster
  -- may still create the role between the check and the CREATE, hence duplicate_object
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    BEGIN
      CREATE ROLE authenticated NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mintoken_service') THEN
    BEGIN
      CREATE ROLE mintoken_service NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    EXCEPTION WHEN duplicate_object THEN NULL;
    END;
  END IF;
  -- The owner switches into both roles with SET LOCAL ROLE, so it needs membership with SET.
  -- From Postgres 16 CREATE ROLE already gives its creator ADMIN (without SET), so MEMBER alone
  -- would be true; ask for SET there, MEMBER on 15.
  can_set_tenant := pg_has_role(current_user, 'authenticated', set_privilege);
  can_set_service := pg_has_role(current_user, 'mintoken_service', set_privilege);
  IF NOT can_set_tenant THEN
    EXECUTE format('GRANT authenticated TO %I', current_user);
  END IF;
  IF NOT can_set_service THEN
    EXECUTE format('GRANT mintoken_service TO %I', current_user);
  END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO authenticated, mintoken_service;

-- Supabase's auth.uid(): the tenant is whatever `sub` the transaction-local claims carry.
-- No claims (or an empty string after a pooled connection was reused) yields NULL, and every
-- tenant policy compares against it, so a query without context sees nothing.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
  LANGUAGE sql STABLE
  SET search_path = ''
AS $$
  SELECT nullif(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub', '')::uuid
$$;
REVOKE ALL ON FUNCTION auth.uid() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.uid() TO authenticated, mintoken_service;
