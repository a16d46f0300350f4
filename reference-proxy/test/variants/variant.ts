// What a reference variant is: the reference proxy changed in a way the target contract allows, and the claims that must still pass on it.
import type { ComponentOverride } from '../../src/bootstrap.ts';

export interface Variant {
  /** one line: what this variant does differently from the reference proxy, within the contract */
  description: string;
  /** claims whose checks must all `pass` (or be `not_applicable`) on this variant */
  claims: readonly string[];
  /** the components this variant replaces; omit for a variant that differs only in settings */
  override?: ComponentOverride;
  /** variables added to the target's environment (settings the contract leaves to the target) */
  env?: Readonly<Record<string, string>>;
  /** fields merged over targets/reference.yaml for this variant (e.g. `limits`, `dashboard`) */
  manifest?: Readonly<Record<string, unknown>>;
}
