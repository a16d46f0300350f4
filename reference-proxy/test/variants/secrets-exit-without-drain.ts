// Variant: on SIGTERM the process exits at once, cutting in-flight streams instead of draining them (the contract promises no drain).
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'exits at once on SIGTERM/SIGINT without draining: in-flight streams are cut',
  claims: ['SECRETS-02', 'SECRETS-03', 'SECRETS-04', 'SECRETS-05', 'SECRETS-07', 'SECRETS-09'],
  override: (components) => {
    // before the reference's draining handler (registered later with `once`): exit first
    const exitNow = () => process.exit(0);
    process.prependListener('SIGTERM', exitNow);
    process.prependListener('SIGINT', exitNow);
    return components;
  },
};
