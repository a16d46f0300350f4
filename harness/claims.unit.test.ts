// The claims registry: the repository's own catalogue, rendered in docs/claims.md, and every mutant it names shipped.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CLAIMS, claimIdOfTitlePath, claimTitle, mutantsOfClaims } from './claims.ts';
import { renderClaimsDoc, renderPolicyDoc } from './claims-doc.ts';
import { shippedMutants } from './mutants.ts';
import { POLICY_PROMISES } from './policy.ts';

describe('claims registry', () => {
  test('holds the 34 claims of the policy, each with a proof and at least one mutant', () => {
    expect(CLAIMS.length).toBeGreaterThanOrEqual(34);
    for (const claim of CLAIMS) {
      expect(claim.proof.length, `${claim.id} says how it is proven`).toBeGreaterThan(10);
      expect(claim.mutants.length, `${claim.id} names a mutant that proves it can fail`).toBeGreaterThan(0);
    }
  });

  test('names only mutants the reference proxy ships, and every shipped mutant is named', () => {
    const named = [...mutantsOfClaims().keys()].sort();
    expect(named).toEqual(shippedMutants());
  });

  test('every claim checks a promise of docs/policy.md, and docs/policy.md is the rendering of harness/policy.ts', () => {
    const promised = new Set(POLICY_PROMISES.flatMap((p) => p.claims));
    expect(CLAIMS.map((c) => c.id).filter((id) => !promised.has(id))).toEqual([]);
    expect(readFileSync(new URL('../docs/policy.md', import.meta.url), 'utf8')).toBe(renderPolicyDoc());
  });

  test('docs/claims.md is the rendering of the registry (run `npm run docs` after a change)', () => {
    expect(readFileSync(new URL('../docs/claims.md', import.meta.url), 'utf8')).toBe(renderClaimsDoc());
  });

  test('ties a test to the claim named by the first title that starts with an ID', () => {
    expect(claimIdOfTitlePath([claimTitle('SECRETS-02'), 'keeps the key out of logs'])).toBe('SECRETS-02');
    expect(claimIdOfTitlePath(['helpers', 'AUTH-03 something'])).toBe('AUTH-03');
    expect(claimIdOfTitlePath(['SECRETS-99 no such claim'])).toBeNull();
    expect(claimIdOfTitlePath(['no claim here'])).toBeNull();
  });

  test('refuses an unknown claim ID instead of reporting under it', () => {
    expect(() => claimTitle('SECRETS-99')).toThrow(/unknown claim ID/);
  });

  test('lists every claim that must kill a mutant shared by two claims', () => {
    expect(mutantsOfClaims().get('cache-last-provider-key')).toEqual(['SECRETS-05', 'SECRETS-06']);
    expect(mutantsOfClaims().get('no-http-redirect')).toEqual(['TRANSPORT-03', 'TRANSPORT-05']);
  });
});
