// Variant: every plan accepts bodies up to 3 MB, as the manifest states: the chunked-body limit follows the stated one (LIMITS-02).
import type { Variant } from './variant.ts';

const BODY_LIMIT_BYTES = 3_000_000;

export const variant: Variant = {
  description: 'every plan accepts request bodies up to 3 MB (413 above), as its manifest states',
  claims: ['LIMITS-02'],
  manifest: { limits: { maxRequestBodyBytes: BODY_LIMIT_BYTES } },
  override: (components, _config, runtime) => {
    // the plan policy is shared by the admission guard and the proxy route: one limit for both
    Object.assign(runtime.plans, { maxBodyBytes: () => BODY_LIMIT_BYTES });
    return components;
  },
};
