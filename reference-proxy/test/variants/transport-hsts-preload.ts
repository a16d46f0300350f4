// Variant: a stronger HSTS value than the reference's (two years, includeSubDomains, preload).
import type { Variant } from './variant.ts';

export const HSTS_PRELOAD = 'max-age=63072000; includeSubDomains; preload';

export const variant: Variant = {
  description:
    'every HTTPS response carries Strict-Transport-Security: max-age=63072000; includeSubDomains; preload',
  claims: ['TRANSPORT-04', 'TRANSPORT-05'],
  override: (components) => ({ ...components, hstsPolicy: () => HSTS_PRELOAD }),
};
