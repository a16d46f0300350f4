// Variant: failed authentications counted in 10-second windows, so a burst often straddles a window boundary.
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description:
    'the failed-authentication window is 10 s (limit 20), unstated in the manifest: a burst may see the throttle lift once',
  claims: ['AUTH-08', 'AUTH-11'],
  env: { AUTH_FAILURE_WINDOW_SECONDS: '10', AUTH_FAILURE_LIMIT: '20' },
};
