-- One statement admits a proxy request: failed-auth throttle, key lookup, rate limit and last_used_at.
-- SECURITY DEFINER owned by mintoken_service like auth.lookup_api_key, so RLS (the service
-- policies) still binds every row it touches; search_path pinned; EXECUTE for the service role only.
--
-- The throttle is atomic: a failed attempt bumps its address's counter and learns its own count in
-- the same upsert, so of N concurrent bad attempts exactly `limit` are answered as failures and the
-- rest are refused unevaluated, on any number of replicas.

-- last_used_at is the one column the service role may write, on active keys only
GRANT UPDATE (last_used_at) ON public.api_keys TO mintoken_service;
GRANT SELECT (last_used_at, intensity) ON public.api_keys TO mintoken_service;
DROP POLICY IF EXISTS api_keys_service_touch ON public.api_keys;
CREATE POLICY api_keys_service_touch ON public.api_keys FOR UPDATE TO mintoken_service
  USING ((select auth.uid()) IS NULL AND is_active) WITH CHECK ((select auth.uid()) IS NULL AND is_active);

CREATE OR REPLACE FUNCTION auth.admit_proxy_request(
  p_client inet,
  p_key_hash bytea,
  p_failure_limit integer,
  p_failure_window integer,
  p_rate_window integer,
  p_quotas jsonb
)
  RETURNS TABLE (
    outcome text,
    retry_after integer,
    key_id uuid,
    user_id uuid,
    plan text,
    intensity text,
    key_hash bytea,
    quota integer,
    request_count integer,
    reset_seconds integer
  )
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = ''
AS $$
DECLARE
  failure_window timestamptz := to_timestamp(floor(extract(epoch FROM clock_timestamp()) / p_failure_window) * p_failure_window);
  rate_window timestamptz := to_timestamp(floor(extract(epoch FROM clock_timestamp()) / p_rate_window) * p_rate_window);
  failures integer;
  found_key record;
BEGIN
  retry_after := greatest(1, ceil(extract(epoch FROM (failure_window + make_interval(secs => p_failure_window) - clock_timestamp())))::int);
  SELECT c.failure_count INTO failures FROM public.auth_failure_counters c
   WHERE c.client_address = p_client AND c.window_start = failure_window;
  IF coalesce(failures, 0) >= p_failure_limit THEN
    outcome := 'throttled';
    RETURN NEXT;
    RETURN;
  END IF;

  SELECT k.id, k.user_id, u.plan, k.intensity, k.key_hash, k.last_used_at INTO found_key
    FROM public.api_keys k JOIN public.users u ON u.id = k.user_id
   WHERE p_key_hash IS NOT NULL AND k.key_hash = p_key_hash AND k.is_active;

  IF found_key.id IS NULL THEN
    INSERT INTO public.auth_failure_counters AS c (client_address, window_start, failure_count)
    VALUES (p_client, failure_window, 1)
    ON CONFLICT (client_address, window_start) DO UPDATE SET failure_count = c.failure_count + 1
    RETURNING c.failure_count INTO failures;
    outcome := CASE WHEN failures > p_failure_limit THEN 'throttled' ELSE 'unauthenticated' END;
    RETURN NEXT;
    RETURN;
  END IF;

  -- at most one write a minute per key: a busy key does not serialise on its own row
  IF found_key.last_used_at IS NULL OR found_key.last_used_at < now() - interval '1 minute' THEN
    UPDATE public.api_keys k SET last_used_at = now() WHERE k.id = found_key.id AND k.is_active;
  END IF;

  quota := (p_quotas ->> found_key.plan)::int;
  INSERT INTO public.rate_limit_counters AS c (key_id, window_start, request_count)
  VALUES (found_key.id, rate_window, 1)
  ON CONFLICT ON CONSTRAINT rate_limit_counters_pkey DO UPDATE SET request_count = c.request_count + 1
  RETURNING c.request_count,
            ceil(extract(epoch FROM (c.window_start + make_interval(secs => p_rate_window) - clock_timestamp())))::int
    INTO request_count, reset_seconds;

  outcome := 'admitted';
  retry_after := 0;
  key_id := found_key.id;
  user_id := found_key.user_id;
  plan := found_key.plan;
  intensity := found_key.intensity;
  key_hash := found_key.key_hash;
  RETURN NEXT;
END
$$;

GRANT CREATE ON SCHEMA auth TO mintoken_service;
ALTER FUNCTION auth.admit_proxy_request(inet, bytea, integer, integer, integer, jsonb) OWNER TO mintoken_service;
REVOKE CREATE ON SCHEMA auth FROM mintoken_service;

REVOKE ALL ON FUNCTION auth.admit_proxy_request(inet, bytea, integer, integer, integer, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth.admit_proxy_request(inet, bytea, integer, integer, integer, jsonb) FROM authenticated;
GRANT EXECUTE ON FUNCTION auth.admit_proxy_request(inet, bytea, integer, integer, integer, jsonb) TO mintoken_service;
