/** The claims catalogue: every machine-checkable sentence of the security policy (docs/policy.md), rendered as docs/claims.md. */
import type { ClaimInput } from './claims.ts';

export const CLAIMS_CATALOGUE: readonly ClaimInput[] = [
  {
    id: 'SECRETS-01',
    family: 'secrets',
    claim: 'The provider key is forwarded to the configured provider origin only, unchanged',
    proof:
      'mock upstreams record every request; the canary key arrives at the right provider and nowhere else, including for hostile Gemini `model` values (path traversal, `@host`, encoded `/`)',
    mutants: ['forward-key-to-model-host', 'gemini-model-path-unchecked'],
    refs: 'ASVS 13.2.x, API7 (SSRF), policy "SSRF … exfiltrate provider keys"',
  },
  {
    id: 'SECRETS-02',
    family: 'secrets',
    claim: 'The provider key is never logged',
    proof:
      'every byte the target wrote to stdout/stderr/log files is swept for the canary and its encodings (raw, base64, base64url, hex, URL-encoded, JSON-escaped, any 16-char fragment), on the happy path and on every error path (upstream 401 that echoes the key, 5xx, reset, timeout, malformed JSON, oversize body, invalid mt key, 429, client abort mid-stream) at `LOG_LEVEL=debug`',
    mutants: ['log-request-headers', 'log-upstream-error-with-headers', 'log-key-fragment'],
    refs: 'ASVS 16.2.5, 4.0.3 7.1.1',
  },
  {
    id: 'SECRETS-03',
    family: 'secrets',
    claim: 'The provider key is never written to disk',
    proof:
      "after `CHECKPOINT` and `pg_switch_wal()`, every file under the target's `DATA_DIR`, `TMPDIR`, working directory and the Postgres data directory (WAL included) is swept for the canary and its encodings",
    mutants: ['dump-request-to-tmp'],
    refs: 'policy "never written to disk"',
  },
  {
    id: 'SECRETS-04',
    family: 'secrets',
    claim: 'The provider key is never stored in or sent to the database',
    proof:
      'every column of every row of every non-system schema is swept; Postgres runs with `log_statement=all` and its log is swept too, so a key sent to the DB and deleted again is still caught',
    mutants: ['persist-provider-key', 'provider-key-in-query-text'],
    refs: 'policy "never put in a database"',
  },
  {
    id: 'SECRETS-05',
    family: 'secrets',
    claim: 'The provider key is dropped at the end of the request',
    proof:
      'after traffic and a full GC, a V8 heap snapshot of the target process holds no canary (process mode only; otherwise not_assessed)',
    mutants: ['cache-last-provider-key'],
    refs: 'policy "read in memory … dropped"',
  },
  {
    id: 'SECRETS-06',
    family: 'secrets',
    claim: 'Rotating the provider key locks the proxy out',
    proof:
      "a request without `X-Provider-Key` is 400 and never served with an earlier key; after the mock provider revokes key K, requests with K get the provider's 401 passed through",
    mutants: ['cache-last-provider-key'],
    refs: 'policy "we have no copy"',
  },
  {
    id: 'SECRETS-07',
    family: 'secrets',
    claim: 'Prompts and model responses are never persisted',
    proof:
      'canary prompt text and a canary completion from the mock upstream are swept for in DB rows, DB log, disk and target logs',
    mutants: ['store-prompt', 'log-response-body'],
    refs: 'policy "never persisted"',
  },
  {
    id: 'SECRETS-08',
    family: 'secrets',
    claim: 'Only token counts are kept per request',
    proof:
      "usage rows expose exactly the contract's fields; the DB catalog has no column that receives request or response content",
    mutants: ['store-prompt'],
    refs: 'policy "we count tokens, that\'s it"',
  },
  {
    id: 'SECRETS-09',
    family: 'secrets',
    claim: 'Backend secrets never reach a client or a log',
    proof:
      '`JWT_SECRET`, `API_KEY_PEPPER` and the DB password (canaries generated per run) never appear in any HTTP response, dashboard page or asset, or log line',
    mutants: ['leak-config-in-error'],
    refs: 'policy "service-role access is scoped to the backend"; ASVS 13.3.1',
  },
  {
    id: 'AUTH-01',
    family: 'auth',
    claim: '`mt_live_` keys carry ≥ 128 bits from a CSPRNG',
    proof:
      '10,000 generated keys: format, alphabet, length, no duplicates, per-position character frequencies within chi-square bounds, checksum valid if present',
    mutants: ['weak-key-entropy'],
    refs: 'ASVS 11.5.1',
  },
  {
    id: 'AUTH-02',
    family: 'auth',
    claim: 'Keys are hashed with a one-way function before storage',
    proof:
      "no DB row, DB log, disk file or log line holds the plaintext key or a reversible encoding (base64, hex, reversed, case-swapped) of its secret; the verifier's format is recorded as evidence",
    mutants: ['plaintext-key-storage', 'reversible-key-storage'],
    refs: 'ASVS 6.5.2, 11.4.1',
  },
  {
    id: 'AUTH-03',
    family: 'auth',
    claim: 'The plaintext is shown exactly once',
    proof:
      'only the creation response holds `raw_key`; every later API response, and the dashboard after a reload, shows at most `key_prefix`; the browser part runs in real Chromium',
    mutants: ['raw-key-on-list', 'dashboard-shows-key-again'],
    refs: 'ASVS 14.2.6',
  },
  {
    id: 'AUTH-04',
    family: 'auth',
    claim: 'A lost key cannot be recovered, a revoked key dies at once',
    proof:
      'every GET endpoint of the contract is swept for the raw key after creation; a revoked key gets 401 on the very next request, also through a second replica',
    mutants: ['revocation-cached'],
    refs: 'ASVS 6.5.6; Schemathesis use-after-free',
  },
  {
    id: 'AUTH-05',
    family: 'auth',
    claim: 'Bad credentials are refused uniformly',
    proof:
      'missing, malformed, unknown, revoked, truncated, wrong-prefix, JWT-instead-of-key and query-string keys all give 401 with one body shape; hostile inputs in a `test.for` table',
    mutants: ['accept-key-in-query', 'distinct-401-bodies'],
    refs: 'ASVS 6.3.8, 14.2.1',
  },
  {
    id: 'AUTH-06',
    family: 'auth',
    claim: 'Key checks are not a timing oracle',
    proof:
      'response times for keys sharing a valid prefix vs random keys, interleaved, compared with a paired test at a fixed false-alarm rate; in the same run and over the same path, a responder with a known injected difference the size of the smallest detectable shift must be detected (live calibration), else the run is `error`; too few plain refusals is `error`, never `fail`',
    mutants: ['early-exit-compare'],
    refs: 'ASVS 11.2.4, 6.3.8',
  },
  {
    id: 'AUTH-07',
    family: 'auth',
    claim: 'Credentials are not interchangeable and sessions are validated',
    proof:
      'JWTs with `alg:none`, a wrong signature, expiry in the past, or another audience are 401; an `mt_live_` key on management endpoints and a JWT on proxy endpoints are 401',
    mutants: ['jwt-alg-none', 'jwt-no-expiry-check'],
    refs: 'ASVS 9.x, API2',
  },
  {
    id: 'AUTH-08',
    family: 'auth',
    claim: 'Key guessing is throttled',
    proof: 'repeated failed authentications from one client hit 429 well before 1,000 attempts',
    mutants: ['no-auth-failure-limit'],
    refs: 'ASVS 6.1.1, 2.4.1',
  },
  {
    id: 'TENANCY-01',
    family: 'tenancy',
    claim: 'Every application table enforces RLS',
    proof:
      "catalog audit: `relrowsecurity` on every table of the manifest's schemas, `relforcerowsecurity` or a non-owner runtime role, at least one policy per command, UPDATE/INSERT policies with `WITH CHECK`",
    mutants: ['rls-disabled-on-usage', 'update-policy-without-check'],
    refs: 'ASVS 8.4.1',
  },
  {
    id: 'TENANCY-02',
    family: 'tenancy',
    claim: 'Tenant queries run least-privileged',
    proof:
      'the tenant role is not superuser, has no BYPASSRLS, owns no table; the statement log (session and transaction in every line) and `pg_stat_activity` show every statement the target runs on tenant tables under a tenant context ran as a role without those powers; service-role credentials never reach a client (see SECRETS-09)',
    mutants: ['tenant-role-bypassrls', 'tenant-queries-as-owner'],
    refs: 'ASVS 13.2.2',
  },
  {
    id: 'TENANCY-03',
    family: 'tenancy',
    claim: "One user's queries never return another's rows",
    proof:
      "as the tenant role with A's context: every table returns only A's rows; writes of B's rows fail; with no context, zero rows (fail closed)",
    mutants: ['rls-policy-true', 'no-context-returns-all'],
    refs: 'ASVS 8.2.2',
  },
  {
    id: 'TENANCY-04',
    family: 'tenancy',
    claim: 'The API never crosses tenants',
    proof:
      "an A×B matrix over N faker tenants on every tenant-scoped endpoint (keys, usage, analytics): read, patch, delete of another tenant's ids is 404/403 and changes nothing",
    mutants: ['bola-key-by-id', 'bola-usage-by-id'],
    refs: 'API1, ASVS 8.2.2',
  },
  {
    id: 'TENANCY-05',
    family: 'tenancy',
    claim: 'Tenant context never bleeds through the pool',
    proof:
      "1,000 interleaved requests of 20 tenants at concurrency 50 on a small pool: every response holds only its tenant's rows; a failed transaction leaves no context behind",
    mutants: ['session-scoped-context'],
    mutantNote: '(SET instead of SET LOCAL)',
    refs: 'ASVS 8.4.1',
  },
  {
    id: 'TENANCY-06',
    family: 'tenancy',
    claim: "Views and SECURITY DEFINER functions don't bypass RLS",
    proof:
      "views have `security_invoker`; definer functions pin `search_path` and are not executable by PUBLIC; any the tenant role can execute returns only the caller's rows",
    mutants: ['definer-view-leak'],
    refs: 'splinter 0010',
  },
  {
    id: 'TRANSPORT-01',
    family: 'transport',
    claim: 'SSLv3, TLS 1.0 and TLS 1.1 are refused',
    proof:
      'a probe offers exactly one version per handshake; it must first detect the old version on a deliberately weak server (positive control), else the result is `error`, never pass',
    mutants: ['tls10-enabled', 'tls11-enabled'],
    refs: 'ASVS 12.1.1, 4.0.3 9.1.3',
  },
  {
    id: 'TRANSPORT-02',
    family: 'transport',
    claim: 'TLS 1.2/1.3 work with strong parameters only',
    proof:
      '1.2 and 1.3 succeed; 1.2 accepts only forward-secret AEAD suites (Mozilla intermediate, loaded as data); certificate key ≥ 2048-bit RSA or ≥ 256-bit EC',
    mutants: ['weak-cipher-enabled'],
    refs: 'ASVS 12.1.2',
  },
  {
    id: 'TRANSPORT-03',
    family: 'transport',
    claim: 'Plain HTTP redirects to HTTPS and serves nothing',
    proof:
      'every method and path on the HTTP port answers 301/308 to the same host and path over https; a credentialed request over HTTP reaches no upstream and writes no usage row',
    mutants: ['no-http-redirect', 'redirect-other-host', 'http-serves-api'],
    refs: 'ASVS 12.2.1',
  },
  {
    id: 'TRANSPORT-04',
    family: 'transport',
    claim: 'HSTS on every HTTPS response',
    proof: '200, 4xx, 429, 5xx and redirects all carry HSTS ≥ 1 year with includeSubDomains; none over HTTP',
    mutants: ['no-hsts-on-errors'],
    refs: 'ASVS 3.4.1',
  },
  {
    id: 'TRANSPORT-05',
    family: 'transport',
    claim: 'A real browser ends up on HTTPS',
    proof:
      'Chromium opens the http URL and lands on https; after one HTTPS visit, an http navigation is upgraded inside the browser (HSTS): the HTTP port receives no further request',
    mutants: ['no-http-redirect', 'no-hsts-on-errors'],
    refs: '',
  },
  {
    id: 'TRANSPORT-06',
    family: 'transport',
    claim: "The proxy verifies its upstream's certificate",
    proof:
      'against a mock provider with an untrusted certificate, the request fails (502) and the key is not sent',
    mutants: ['upstream-tls-unverified'],
    refs: 'ASVS 12.3.2',
  },
  {
    id: 'RATELIMIT-01',
    family: 'ratelimit',
    claim: 'Each key is held to its limit, and the headers tell the truth',
    proof:
      'sequential requests count `RateLimit` `r` down by exactly one; request `q+1` in the window is 429 with `Retry-After` ≤ the window',
    mutants: ['ratelimit-off', 'ratelimit-headers-lie'],
    refs: 'ASVS 2.4.1, API4',
  },
  {
    id: 'RATELIMIT-02',
    family: 'ratelimit',
    claim: 'Limits are per key',
    proof: 'exhausting key A leaves keys B (same tenant) and C (other tenant) untouched',
    mutants: ['ratelimit-per-tenant'],
    refs: '',
  },
  {
    id: 'RATELIMIT-03',
    family: 'ratelimit',
    claim: 'The limit is atomic',
    proof:
      'a burst of 5×q concurrent requests admits exactly q, through one replica and through two replicas sharing the database',
    mutants: ['ratelimit-racy'],
    refs: '',
  },
  {
    id: 'RATELIMIT-04',
    family: 'ratelimit',
    claim: 'Refused requests cost nothing',
    proof: 'a 429 reaches no upstream, writes no usage row, logs no key',
    mutants: ['ratelimit-after-upstream'],
    refs: '',
  },
  {
    id: 'RATELIMIT-05',
    family: 'ratelimit',
    claim: 'The window recovers',
    proof: 'after `Retry-After` the key is admitted again',
    mutants: ['ratelimit-never-resets'],
    refs: '',
  },
  {
    id: 'SECRETS-10',
    section: 'hardening',
    family: 'secrets',
    claim: 'Only the provider key and allow-listed headers reach the provider',
    proof:
      "each provider route is called with canaries in the client's `Authorization` (its `mt_live_` key), `Cookie`, `X-Forwarded-For/Host/Proto`, `Forwarded`, `Via` and an arbitrary `X-…` header; the mock upstream's record of the call holds none of them (the header names that did arrive are recorded); a target that refuses such a request (400) passes when nothing reached a provider; a positive control sends the same headers straight to the mock and finds each one",
    mutants: ['forward-client-headers'],
    refs: 'API8, ASVS 13.2.x',
  },
  {
    id: 'SECRETS-11',
    section: 'hardening',
    family: 'secrets',
    claim: 'No request field chooses where the key goes',
    proof:
      'a trap host counts TCP connections; requests name it in a body `api_base`/`base_url`/`baseURL`, `X-Forwarded-Host`, `Host`, `X-Original-URL`, `X-Rewrite-URL` and an absolute-form request target: the trap gets no connection, and the key reaches only the configured provider origin on its path (or, when the target refuses with 4xx, no upstream at all)',
    mutants: ['honour-api-base'],
    refs: 'API7 (SSRF)',
  },
  {
    id: 'SECRETS-12',
    section: 'hardening',
    family: 'secrets',
    claim: 'Upstream response headers are allow-listed',
    proof:
      "a mock upstream answers (JSON and SSE) with `Set-Cookie`, `Access-Control-Allow-Origin: *`, `Location`, `Server` and a canary header; none of them reaches the client with the upstream's value (a header the target sets on its ordinary answers too is its own); every API response (health, version, 404, 400, 401, a request the HTTP parser rejects, session routes, proxied JSON, streams and a 502) carries `X-Content-Type-Options: nosniff`",
    mutants: ['reflect-upstream-headers'],
    refs: 'ASVS 3.4, API10',
  },
  {
    id: 'SECRETS-13',
    section: 'hardening',
    family: 'secrets',
    claim: 'A client that goes away ends the upstream call',
    proof:
      'the client aborts a slow Anthropic stream after its first frames; the mock upstream sees its connection closed, answer unfinished, within 1 s; the usage row of the request appears with the input tokens the provider had streamed and no more output tokens than the whole answer',
    mutants: ['no-abort-on-client-close'],
    refs: 'policy "dropped at the end of the request"',
  },
  {
    id: 'ERRORS-01',
    section: 'hardening',
    family: 'errors',
    claim: 'Error responses reveal nothing',
    proof:
      'fast-check (seed from HARNESS_FC_SEED, else HARNESS_SEED, else random; recorded) sends generated methods, paths, headers, query strings and bodies to every endpoint of the contract, with and without valid credentials, proxy calls included (upstream faults among the models); no 5xx body carries a stack trace, SQL text, a file path or a library name, and every 5xx body is the error envelope only; the shrunk failing input is written into the evidence with its replay (`HARNESS_FC_SEED` and `HARNESS_FC_PATH`)',
    mutants: ['error-message-passthrough'],
    refs: 'ASVS 16.5.1',
  },
  {
    id: 'ERRORS-02',
    section: 'hardening',
    family: 'errors',
    claim: 'No permissive CORS',
    proof:
      'requests with `Origin: https://evil.example` to public, session and proxy routes, and preflights (`OPTIONS` with `Access-Control-Request-Method/Headers`) to each: the origin is never reflected, `*` never comes with `Access-Control-Allow-Credentials: true`, and no preflight grants the foreign origin (`*` or the origin) anything; a positive control runs the same check on a local server that reflects origins',
    mutants: ['cors-reflect-origin'],
    refs: 'ASVS 3.4.x',
  },
  {
    id: 'AUTH-11',
    section: 'hardening',
    family: 'auth',
    claim: 'The failed-authentication throttle is atomic and locks out no one else',
    proof:
      "300 bad key attempts from one fresh address, spread over the replicas, each on its own connection opened beforehand and written but the last byte of its head, then released together so the target starts them all at once (the release's spread is in the evidence): at most the limit (the manifest's, or as one address meets it one attempt at a time) plus the replicas' count are answered 401, the rest 429 (twice the limit when a 429's Retry-After shows the throttle lifting during the burst); meanwhile the valid key from another address is served",
    mutants: ['throttle-check-then-record'],
    refs: 'ASVS 6.3.1, 2.4.1',
  },
  {
    id: 'LIMITS-03',
    section: 'hardening',
    family: 'limits',
    claim: 'Streams and concurrency are bounded per key',
    proof:
      "on a target started with a 3 s stream lifetime and a cap of 3 open calls per key (or the limits its manifest states): the key's 3 endless upstream streams (mock-endless-stream) each end within the lifetime plus 4 s, a 4th call of that key meanwhile is 429, the key is served again once they are gone (positive control), and another tenant's median latency during the load stays within 2× (+25 ms) of before",
    mutants: ['no-stream-deadline'],
    refs: 'API4, policy "we rate-limit per key"',
  },
  {
    id: 'AUTH-09',
    section: 'hardening',
    family: 'auth',
    claim: "Login and signup don't reveal which accounts exist",
    proof:
      'a wrong password and an unknown e-mail get the same status and body shape, and their times do not differ (paired refusals over fresh source addresses, Wilcoxon signed-rank at 0.001, beside the shift this run could detect); a signup with a taken e-mail gets the status and body shape of a new one, or 429',
    mutants: ['login-skip-dummy-hash'],
    refs: 'ASVS 6.3.8',
  },
  {
    id: 'AUTH-10',
    section: 'hardening',
    family: 'auth',
    claim: 'Passwords are stored with a memory-hard KDF and weak ones are refused',
    proof:
      "the verifier in the tenant's own row (found by sweeping the database for the row holding its e-mail, format recorded) is argon2id (m ≥ 19 MiB, t ≥ 2), scrypt (N ≥ 2^17) or bcrypt (cost ≥ 10); signups with passwords under 8 characters or on a common-password list are refused while a strong one is accepted",
    mutants: ['weak-password-hash'],
    refs: 'ASVS 6.2.1, 6.2.4, 11.4.2',
  },
  {
    id: 'AUTH-12',
    section: 'hardening',
    family: 'auth',
    claim: 'Signup and key minting are throttled',
    proof:
      'repeated signups from one fresh source address, and create/revoke cycles of one tenant, reach 429 within 1,000 attempts (a target the harness starts gets low SIGNUP_LIMIT/KEY_MINT_LIMIT in an environment of its own); the first of each is accepted',
    mutants: ['signup-unthrottled'],
    refs: 'ASVS 2.4.1, API6',
  },
  {
    id: 'AUTH-13',
    section: 'hardening',
    family: 'auth',
    claim: 'Clients cannot set server-owned fields',
    proof:
      "key PATCHes of `key_prefix`, `created_at` and `user_id` leave them unchanged in a later GET (while a PATCH of `name` is applied); a revoked key PATCHed with `is_active:true` stays inactive and is 401 on the proxy; a signup naming `plan` is refused, or its key's quota is a plain signup's",
    mutants: ['patch-mass-assignment'],
    refs: 'API3 (BOPLA)',
  },
  {
    id: 'AUTH-14',
    section: 'hardening',
    family: 'auth',
    claim: 'Sessions are bounded and bound to this service',
    proof:
      "the session's `exp − iat` is at most the stated TTL and 24 h; the genuine token re-signed with JWT_SECRET is accepted, the same token with another (or an added) `iss` or `aud` is 401",
    mutants: ['jwt-ignore-iss'],
    refs: 'ASVS 9.2.x, 7.3.x',
  },
  {
    id: 'LIMITS-01',
    section: 'hardening',
    family: 'limits',
    claim: 'Endpoints without a key cap body size and time',
    proof:
      'a 1 MB login body (declared, and chunked) gets 413 while the client has sent no more than 64 kB + 16 kB and holds the rest back (a close before that much was sent counts too: its reset can swallow the 413); a body dripped at 1 byte/s is cut within 30 s, while a login on another connection is answered',
    mutants: ['no-request-timeout'],
    refs: 'API4',
  },
  {
    id: 'LIMITS-02',
    section: 'hardening',
    family: 'limits',
    claim: "The plan's body limit binds chunked bodies",
    proof:
      'a chunked proxy body is refused with 413 (or its connection closed) by the time the stated plan limit + 64 kB has been sent, without the client ever ending the body; a body within the limit is served',
    mutants: ['content-length-only-check'],
    refs: 'API4',
  },
  {
    id: 'LIMITS-04',
    section: 'hardening',
    family: 'limits',
    claim: 'Management queries are bounded',
    proof:
      'with 520 usage rows, `GET /v1/usage?limit=100000` is refused or returns at most 500 rows (while `?limit=500` returns 500); analytics over ten years answer within 5 s while a proxy request of another tenant is served',
    mutants: ['usage-limit-unbounded'],
    refs: 'API4',
  },
];
