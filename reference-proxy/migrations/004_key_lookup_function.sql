-- The one path from a presented key's digest to its owner. SECURITY DEFINER so the caller needs
-- no table grant of its own; owned by mintoken_service so RLS still binds it (the service policy
-- admits active keys only); search_path pinned to '' so nothing the caller can create shadows
-- a table; EXECUTE for the service role only. It returns what authentication needs, no more:
-- the owner, plan and active flag, plus the stored digest so the caller can re-check it in
-- constant time (it equals the digest the caller passed in; it reveals nothing new).

CREATE OR REPLACE FUNCTION auth.lookup_api_key(p_key_hash bytea)
  RETURNS TABLE (key_id uuid, user_id uuid, plan text, is_active boolean, key_hash bytea)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = ''
AS $$
  SELECT k.id, k.user_id, u.plan, k.is_active, k.key_hash
  FROM public.api_keys AS k
  JOIN public.users AS u ON u.id = k.user_id
  WHERE k.key_hash = p_key_hash
$$;

-- a new owner must be able to create in the schema; grant that only for the hand-over
GRANT CREATE ON SCHEMA auth TO mintoken_service;
ALTER FUNCTION auth.lookup_api_key(bytea) OWNER TO mintoken_service;
REVOKE CREATE ON SCHEMA auth FROM mintoken_service;

REVOKE ALL ON FUNCTION auth.lookup_api_key(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth.lookup_api_key(bytea) FROM authenticated;
GRANT EXECUTE ON FUNCTION auth.lookup_api_key(bytea) TO mintoken_service;
