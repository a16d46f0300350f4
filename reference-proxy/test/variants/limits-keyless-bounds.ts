// Variant: keyless routes at the claim's bounds — a 64 KiB body limit and a 25 s request timeout.
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description:
    'keyless routes read up to 64 KiB of body and cut a request after 25 s (both at the edge of LIMITS-01)',
  claims: ['LIMITS-01'],
  env: { REQUEST_TIMEOUT_SECONDS: '25' },
  manifest: { limits: { maxRequestBodyBytes: 100_000, requestTimeoutSeconds: 25 } },
  override: (components) => ({
    ...components,
    requestLimits: { ...components.requestLimits, keylessBodyLimitBytes: 64 * 1_024 },
  }),
};
