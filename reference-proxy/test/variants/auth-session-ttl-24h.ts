// Variant: sessions live the longest the claims allow (24 h), and the manifest says so.
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'session JWTs live 24 hours (JWT_TTL_SECONDS=86400), stated as limits.sessionTtlSeconds',
  claims: ['AUTH-14'],
  env: { JWT_TTL_SECONDS: '86400' },
  manifest: { limits: { maxRequestBodyBytes: 100_000, sessionTtlSeconds: 86_400 } },
};
