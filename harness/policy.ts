/** The policy's promises in our words, each with the claims that check it: docs/policy.md and the evidence HTML group claims by these. */
export interface PolicyPromise {
  /** the promise, restated */
  promise: string;
  /** claim IDs that check it (IDs not in the catalogue yet are skipped when rendering) */
  claims: readonly string[];
  /** a hardening promise: implied by the policy's in-scope list rather than stated */
  hardening?: boolean;
}

export const POLICY_PROMISES: readonly PolicyPromise[] = [
  {
    promise:
      'The provider key (`X-Provider-Key`) is read in memory, sent to its provider only, and dropped when the request ends',
    claims: ['SECRETS-01', 'SECRETS-05'],
  },
  { promise: 'The provider key is never logged', claims: ['SECRETS-02'] },
  { promise: 'The provider key is never written to disk', claims: ['SECRETS-03'] },
  { promise: 'The provider key is never put in a database', claims: ['SECRETS-04'] },
  {
    promise: 'Rotating the key at the provider locks Mintoken out: there is no copy',
    claims: ['SECRETS-06'],
  },
  {
    promise: 'Prompts and responses are never persisted; only tokens are counted',
    claims: ['SECRETS-07', 'SECRETS-08'],
  },
  { promise: 'Service-role and backend secrets stay in the backend', claims: ['SECRETS-09', 'TENANCY-02'] },
  {
    promise: '`mt_live_` keys are hashed with a strong one-way function before storage',
    claims: ['AUTH-01', 'AUTH-02'],
  },
  {
    promise: 'The plaintext key is shown once, at creation, and cannot be recovered',
    claims: ['AUTH-03', 'AUTH-04'],
  },
  {
    promise: 'Authentication, session and key handling are sound (in scope for researchers)',
    claims: ['AUTH-05', 'AUTH-06', 'AUTH-07', 'AUTH-08'],
  },
  {
    promise: "Row-level security: one user's queries never return another user's rows",
    claims: ['TENANCY-01', 'TENANCY-03', 'TENANCY-04', 'TENANCY-05', 'TENANCY-06'],
  },
  {
    promise: 'HTTPS only, TLS 1.2 or newer',
    claims: ['TRANSPORT-01', 'TRANSPORT-02', 'TRANSPORT-04', 'TRANSPORT-06'],
  },
  { promise: 'Plain HTTP redirects to HTTPS', claims: ['TRANSPORT-03', 'TRANSPORT-05'] },
  {
    promise: 'Requests are rate-limited per key',
    claims: ['RATELIMIT-01', 'RATELIMIT-02', 'RATELIMIT-03', 'RATELIMIT-04', 'RATELIMIT-05'],
  },
  {
    promise:
      'No path exfiltrates provider keys, even momentarily: no SSRF, no forwarded or reflected secrets',
    claims: ['SECRETS-10', 'SECRETS-11', 'SECRETS-12', 'SECRETS-13'],
    hardening: true,
  },
  {
    promise: 'Authentication, session and API-key handling resist the attacks proxies have shipped',
    claims: ['AUTH-09', 'AUTH-10', 'AUTH-11', 'AUTH-12', 'AUTH-13', 'AUTH-14'],
    hardening: true,
  },
  {
    promise: 'Per-key rate limits cannot be sidestepped with big, slow or endless requests',
    claims: ['LIMITS-01', 'LIMITS-02', 'LIMITS-03', 'LIMITS-04'],
    hardening: true,
  },
  {
    promise: 'Errors and cross-origin rules leak nothing to another site',
    claims: ['ERRORS-01', 'ERRORS-02'],
    hardening: true,
  },
];
