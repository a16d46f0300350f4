// Variant: the mt_live_ key is also read from x-api-key on every proxy route (the contract names it for /v1/messages and forbids it nowhere).
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'x-api-key carries the mt_live_ key on every proxy route, not only /v1/messages',
  claims: ['AUTH-05', 'AUTH-07'],
  override: (components) => ({
    ...components,
    proxyAdmission: (all, plans) => components.proxyAdmission(all, plans, { allowXApiKey: true }),
  }),
};
