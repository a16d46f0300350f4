// Variant: a target whose manifest offers no pool-size knob; TENANCY-05 runs it with its own pool (size recorded as unknown).
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description:
    'the manifest has no knobs.poolSize: the pool check runs on the default pool, its size unknown to the harness',
  claims: ['TENANCY-05'],
  // an undefined field is left out of the variant's manifest, so knobs disappears
  manifest: { knobs: undefined },
};
