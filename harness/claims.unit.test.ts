// The claims registry matches the published catalogue (../shared/spec/claims.md) and docs/claims.md.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CLAIMS, claimIdOfTitlePath, claimTitle, mutantsOfClaims } from './claims.ts';
import { renderClaimsDoc } from './claims-doc.ts';

const SPEC = new URL('../../shared/spec/claims.md', import.meta.url);

function specRows(): Array<{ id: string; claim: string; mutants: string[] }> {
  return readFileSync(SPEC, 'utf8')
    .split('\n')
    .filter((line) => /^\| [A-Z]+-\d\d \|/.test(line))
    .map((line) => {
      const [id = '', claim = '', , mutants = ''] = line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim());
      return { id, claim, mutants: [...mutants.matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1] ?? '') };
    });
}

describe('claims registry', () => {
  test('holds exactly the IDs, texts and mutants of the published catalogue', () => {
    expect(existsSync(SPEC), `${SPEC.pathname} is missing: the registry is checked against it`).toBe(true);
    const spec = specRows();
    expect(spec.length).toBeGreaterThan(30);
    expect(CLAIMS.map(({ id, claim, mutants }) => ({ id, claim, mutants }))).toEqual(spec);
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
