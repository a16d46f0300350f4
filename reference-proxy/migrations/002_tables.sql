-- Application tables. Nothing here can hold a provider key, a prompt, a completion or a header:
-- usage keeps token counts and the status code only.

CREATE TABLE IF NOT EXISTS public.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE CHECK (length(email) <= 320),
  password_hash text NOT NULL,
  plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'team', 'enterprise')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  key_prefix text NOT NULL CHECK (key_prefix ~ '^mt_live_[0-9A-Za-z]{4}$'),
  -- HMAC-SHA256 of the whole key under API_KEY_PEPPER: 32 bytes, never the key itself
  key_hash bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  intensity text NOT NULL DEFAULT 'full' CHECK (intensity IN ('lite', 'full', 'ultra')),
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  CHECK (is_active = (revoked_at IS NULL))
);
CREATE INDEX IF NOT EXISTS api_keys_user_id_idx ON public.api_keys (user_id, created_at DESC);
-- "409 if name is taken by an active key": revoked keys free their name
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name_idx ON public.api_keys (user_id, name) WHERE is_active;

CREATE TABLE IF NOT EXISTS public.usage (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- kept for RLS only; the API never shows it
  user_id uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  key_id uuid NOT NULL REFERENCES public.api_keys (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('openai', 'anthropic', 'google')),
  model text NOT NULL CHECK (length(model) <= 128),
  input_tokens integer NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens integer NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  status_code integer NOT NULL CHECK (status_code BETWEEN 100 AND 599),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS usage_user_created_idx ON public.usage (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS usage_key_idx ON public.usage (key_id);

-- One row per key and fixed window (aligned to the epoch), bumped atomically by the limiter.
CREATE TABLE IF NOT EXISTS public.rate_limit_counters (
  key_id uuid NOT NULL REFERENCES public.api_keys (id) ON DELETE CASCADE,
  window_start timestamptz NOT NULL,
  request_count integer NOT NULL CHECK (request_count >= 0),
  PRIMARY KEY (key_id, window_start)
);

-- Failed authentications per client address and fixed window, shared by every replica.
CREATE TABLE IF NOT EXISTS public.auth_failure_counters (
  client_address inet NOT NULL,
  window_start timestamptz NOT NULL,
  failure_count integer NOT NULL CHECK (failure_count >= 0),
  PRIMARY KEY (client_address, window_start)
);
