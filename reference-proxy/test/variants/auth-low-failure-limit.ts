// Variant: a tight failed-authentication throttle (10 per address and window) that the manifest does not state.
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'failed authentications are throttled after 10 per client address, unstated in the manifest',
  claims: ['AUTH-05', 'AUTH-06', 'AUTH-07', 'AUTH-08'],
  env: { AUTH_FAILURE_LIMIT: '10' },
};
