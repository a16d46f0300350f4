// Variant: every plan accepts request bodies up to 3 MB (the reference's free plan: 100 KB), as the manifest's limits state.
import type { Variant } from './variant.ts';

const BODY_LIMIT_BYTES = 3_000_000;

export const variant: Variant = {
  description: 'every plan accepts request bodies up to 3 MB (413 above), as its manifest states',
  claims: ['SECRETS-02'],
  manifest: { limits: { maxRequestBodyBytes: BODY_LIMIT_BYTES } },
  override: (components, _config, runtime) => {
    // the plan policy is shared by the admission guard and the proxy route: one limit for both
    Object.assign(runtime.plans, { maxBodyBytes: () => BODY_LIMIT_BYTES });
    return components;
  },
};
