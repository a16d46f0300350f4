-- Row-level security on every table in public, enabled AND forced: the DATABASE_URL role owns
-- the tables, and FORCE makes the policies bind their owner too. Tenant policies compare with
-- (select auth.uid()); service policies require that no tenant context is set at all, so the service
-- role (signup, login lookup, counters) can never be used "on behalf of" a tenant by mistake.
-- Every command has a policy even where the role holds no grant for it: grants are the gate,
-- the policy confines any grant added later.

ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.users FORCE ROW LEVEL SECURITY;
ALTER TABLE public.api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.api_keys FORCE ROW LEVEL SECURITY;
ALTER TABLE public.usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.usage FORCE ROW LEVEL SECURITY;
ALTER TABLE public.rate_limit_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.rate_limit_counters FORCE ROW LEVEL SECURITY;
ALTER TABLE public.auth_failure_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.auth_failure_counters FORCE ROW LEVEL SECURITY;

REVOKE ALL ON public.users, public.api_keys, public.usage, public.rate_limit_counters,
  public.auth_failure_counters FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO authenticated, mintoken_service;

-- users: a tenant sees and edits only its own row; signup and login run as the service role
GRANT SELECT, DELETE ON public.users TO authenticated;
GRANT UPDATE (email, password_hash) ON public.users TO authenticated;
GRANT SELECT (id, email, password_hash, plan), INSERT (email, password_hash) ON public.users TO mintoken_service;
DROP POLICY IF EXISTS users_tenant_select ON public.users;
CREATE POLICY users_tenant_select ON public.users FOR SELECT TO authenticated USING (id = (select auth.uid()));
DROP POLICY IF EXISTS users_tenant_update ON public.users;
CREATE POLICY users_tenant_update ON public.users FOR UPDATE TO authenticated
  USING (id = (select auth.uid())) WITH CHECK (id = (select auth.uid()));
DROP POLICY IF EXISTS users_tenant_delete ON public.users;
CREATE POLICY users_tenant_delete ON public.users FOR DELETE TO authenticated USING (id = (select auth.uid()));
DROP POLICY IF EXISTS users_service_select ON public.users;
CREATE POLICY users_service_select ON public.users FOR SELECT TO mintoken_service USING ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS users_service_insert ON public.users;
CREATE POLICY users_service_insert ON public.users FOR INSERT TO mintoken_service
  WITH CHECK ((select auth.uid()) IS NULL AND plan = 'free');

-- api_keys: tenant CRUD on its own keys; the service role reads active keys only through
-- auth.lookup_api_key (it owns that function) and holds no other grant
GRANT SELECT, INSERT, DELETE ON public.api_keys TO authenticated;
GRANT UPDATE (name, intensity, is_active, revoked_at, last_used_at) ON public.api_keys TO authenticated;
GRANT SELECT (id, user_id, key_hash, is_active) ON public.api_keys TO mintoken_service;
DROP POLICY IF EXISTS api_keys_tenant_select ON public.api_keys;
CREATE POLICY api_keys_tenant_select ON public.api_keys FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
DROP POLICY IF EXISTS api_keys_tenant_insert ON public.api_keys;
CREATE POLICY api_keys_tenant_insert ON public.api_keys FOR INSERT TO authenticated
  WITH CHECK (user_id = (select auth.uid()));
DROP POLICY IF EXISTS api_keys_tenant_update ON public.api_keys;
CREATE POLICY api_keys_tenant_update ON public.api_keys FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
DROP POLICY IF EXISTS api_keys_tenant_delete ON public.api_keys;
CREATE POLICY api_keys_tenant_delete ON public.api_keys FOR DELETE TO authenticated USING (user_id = (select auth.uid()));
DROP POLICY IF EXISTS api_keys_service_lookup ON public.api_keys;
CREATE POLICY api_keys_service_lookup ON public.api_keys FOR SELECT TO mintoken_service
  USING ((select auth.uid()) IS NULL AND is_active);

-- usage: written and read by the tenant whose key made the request; the key must be its own
GRANT SELECT, INSERT ON public.usage TO authenticated;
DROP POLICY IF EXISTS usage_tenant_select ON public.usage;
CREATE POLICY usage_tenant_select ON public.usage FOR SELECT TO authenticated USING (user_id = (select auth.uid()));
DROP POLICY IF EXISTS usage_tenant_insert ON public.usage;
CREATE POLICY usage_tenant_insert ON public.usage FOR INSERT TO authenticated
  WITH CHECK (
    user_id = (select auth.uid())
    AND EXISTS (SELECT 1 FROM public.api_keys k WHERE k.id = key_id AND k.user_id = (select auth.uid()))
  );
DROP POLICY IF EXISTS usage_tenant_update ON public.usage;
CREATE POLICY usage_tenant_update ON public.usage FOR UPDATE TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
DROP POLICY IF EXISTS usage_tenant_delete ON public.usage;
CREATE POLICY usage_tenant_delete ON public.usage FOR DELETE TO authenticated USING (user_id = (select auth.uid()));

-- counters: service only. The tenant may SELECT but no policy admits a row, so it sees none.
GRANT SELECT ON public.rate_limit_counters, public.auth_failure_counters TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.rate_limit_counters, public.auth_failure_counters
  TO mintoken_service;

DROP POLICY IF EXISTS rate_limit_counters_service_select ON public.rate_limit_counters;
CREATE POLICY rate_limit_counters_service_select ON public.rate_limit_counters FOR SELECT TO mintoken_service
  USING ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS rate_limit_counters_service_insert ON public.rate_limit_counters;
CREATE POLICY rate_limit_counters_service_insert ON public.rate_limit_counters FOR INSERT TO mintoken_service
  WITH CHECK ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS rate_limit_counters_service_update ON public.rate_limit_counters;
CREATE POLICY rate_limit_counters_service_update ON public.rate_limit_counters FOR UPDATE TO mintoken_service
  USING ((select auth.uid()) IS NULL) WITH CHECK ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS rate_limit_counters_service_delete ON public.rate_limit_counters;
CREATE POLICY rate_limit_counters_service_delete ON public.rate_limit_counters FOR DELETE TO mintoken_service
  USING ((select auth.uid()) IS NULL);

DROP POLICY IF EXISTS auth_failure_counters_service_select ON public.auth_failure_counters;
CREATE POLICY auth_failure_counters_service_select ON public.auth_failure_counters FOR SELECT
  TO mintoken_service USING ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS auth_failure_counters_service_insert ON public.auth_failure_counters;
CREATE POLICY auth_failure_counters_service_insert ON public.auth_failure_counters FOR INSERT
  TO mintoken_service WITH CHECK ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS auth_failure_counters_service_update ON public.auth_failure_counters;
CREATE POLICY auth_failure_counters_service_update ON public.auth_failure_counters FOR UPDATE
  TO mintoken_service USING ((select auth.uid()) IS NULL) WITH CHECK ((select auth.uid()) IS NULL);
DROP POLICY IF EXISTS auth_failure_counters_service_delete ON public.auth_failure_counters;
CREATE POLICY auth_failure_counters_service_delete ON public.auth_failure_counters FOR DELETE
  TO mintoken_service USING ((select auth.uid()) IS NULL);
