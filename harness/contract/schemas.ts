/** zod schemas of the target contract's responses (§1): what a suite may rely on, checked on every read. */
import { z } from 'zod';

export const KeyObjectSchema = z.object({
  id: z.string().min(1),
  key_prefix: z.string().startsWith('mt_live_'),
  name: z.string().nullable(),
  intensity: z.string().nullable(),
  is_active: z.boolean(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type KeyObject = z.infer<typeof KeyObjectSchema>;

export const CreatedKeySchema = KeyObjectSchema.extend({ raw_key: z.string().startsWith('mt_live_') });
export type CreatedKey = z.infer<typeof CreatedKeySchema>;

export const KeyListSchema = z.object({ keys: z.array(KeyObjectSchema) });

export const SignupResponseSchema = z.object({ user_id: z.string().min(1) });

export const LoginResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive(),
  user: z.object({ id: z.string(), email: z.string() }),
});
export type LoginResponse = z.infer<typeof LoginResponseSchema>;

/** Exactly the contract's fields: a usage row with any other field (prompt, header, …) fails to parse. */
export const UsageRowSchema = z.strictObject({
  id: z.string(),
  key_id: z.string(),
  provider: z.string(),
  model: z.string(),
  input_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  status_code: z.number().int(),
  created_at: z.string(),
});
export const UsageListSchema = z.object({ usage: z.array(UsageRowSchema) });

/** The error envelopes the contract accepts, parsed leniently. */
export const ErrorEnvelopeSchema = z.union([
  z.object({ error: z.object({ type: z.string(), message: z.string() }) }),
  z.object({ detail: z.unknown() }),
  z.object({ error: z.string() }),
]);

/** `RateLimit-Policy: "key";q=<quota>;w=<window>` */
export function parseRateLimitPolicy(
  value: string | undefined,
): { quota: number; windowSeconds: number } | null {
  const match = value ? /;\s*q=(\d+)\s*;\s*w=(\d+)/.exec(value) : null;
  return match ? { quota: Number(match[1]), windowSeconds: Number(match[2]) } : null;
}

/** `RateLimit: "key";r=<remaining>;t=<seconds to reset>` */
export function parseRateLimit(
  value: string | undefined,
): { remaining: number; resetSeconds: number } | null {
  const match = value ? /;\s*r=(\d+)\s*;\s*t=(\d+)/.exec(value) : null;
  return match ? { remaining: Number(match[1]), resetSeconds: Number(match[2]) } : null;
}
