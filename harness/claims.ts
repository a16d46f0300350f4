/** The claims registry: typed claim records, lookup by ID, and the XCCDF result vocabulary. */
import { z } from 'zod';
import { CLAIMS_CATALOGUE } from './claims-catalogue.ts';

export const CLAIM_FAMILIES = [
  'secrets',
  'auth',
  'tenancy',
  'transport',
  'ratelimit',
  'limits',
  'errors',
] as const;
export const ClaimIdSchema = z
  .string()
  .regex(/^(SECRETS|AUTH|TENANCY|TRANSPORT|RATELIMIT|LIMITS|ERRORS)-\d{2}$/);

export const ClaimSchema = z.strictObject({
  id: ClaimIdSchema,
  family: z.enum(CLAIM_FAMILIES),
  claim: z.string().min(1),
  proof: z.string().min(1),
  mutants: z.array(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)),
  mutantNote: z.string().optional(),
  refs: z.string(),
  /** `policy`: a promise the policy states; `hardening`: what its in-scope list implies beyond its letter */
  section: z.enum(['policy', 'hardening']).default('policy'),
});
export type Claim = z.infer<typeof ClaimSchema>;
export type ClaimInput = z.input<typeof ClaimSchema>;

/** XCCDF result vocabulary (claims.md): the only states a claim or a check can end in. */
export const RESULT_STATES = ['pass', 'fail', 'error', 'not_assessed', 'not_applicable'] as const;
export const ResultStateSchema = z.enum(RESULT_STATES);
export type ResultState = z.infer<typeof ResultStateSchema>;

export const CLAIMS: readonly Claim[] = z.array(ClaimSchema).parse(CLAIMS_CATALOGUE);

const BY_ID = new Map(CLAIMS.map((claim) => [claim.id, claim]));
if (BY_ID.size !== CLAIMS.length) throw new Error('claims catalogue holds a duplicate claim ID');

/** The claim with this ID; throws on an unknown ID so a typo in a suite fails loudly. */
export function claimById(id: string): Claim {
  const claim = BY_ID.get(id);
  if (!claim) throw new Error(`unknown claim ID "${id}": the IDs are listed in docs/claims.md`);
  return claim;
}

/** The describe title that ties a block of tests to its claim: `SECRETS-02 The provider key is never logged`. */
export function claimTitle(id: string): string {
  const claim = claimById(id);
  return `${claim.id} ${claim.claim}`;
}

/** The claim ID a test belongs to, read from the titles of its enclosing blocks. */
export function claimIdOfTitlePath(titles: readonly string[]): string | null {
  for (const title of titles) {
    const match = /^((?:SECRETS|AUTH|TENANCY|TRANSPORT|RATELIMIT|LIMITS|ERRORS)-\d{2})\b/.exec(title);
    if (match?.[1] && BY_ID.has(match[1])) return match[1];
  }
  return null;
}

/** Every mutant any claim names, with the claims that must kill it. */
export function mutantsOfClaims(): Map<string, string[]> {
  const byMutant = new Map<string, string[]>();
  for (const claim of CLAIMS) {
    for (const mutant of claim.mutants) byMutant.set(mutant, [...(byMutant.get(mutant) ?? []), claim.id]);
  }
  return byMutant;
}
