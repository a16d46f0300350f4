// Mutants live outside the shipped proxy: no production file can load one, and the image never contains one.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : /\.(ts|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

/** Every module specifier a file imports, statically or with import(). */
function specifiersOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"`]([^'"`]+)['"`]/g)].map(
    (m) => m[1] ?? '',
  );
}

describe('mutant isolation', () => {
  it('finds the imports it looks for (positive control)', () => {
    const entry = path.join(ROOT, 'mutants', 'main.ts');
    expect(specifiersOf(entry).some((s) => s.includes('../src/'))).toBe(true);
  });

  it('keeps every production file free of imports of mutants, tests or the harness', () => {
    const offending = sourceFiles(path.join(ROOT, 'src')).flatMap((file) =>
      specifiersOf(file)
        .filter((s) => /(^|\/)(mutants|test|harness|fixtures|suites)(\/|$)/.test(s))
        .map((s) => `${path.relative(ROOT, file)} imports ${s}`),
    );
    expect(offending).toEqual([]);
  });

  it('copies only src, migrations and public of the proxy into the image', () => {
    const copies = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && line.includes('reference-proxy'));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) expect(line).toMatch(/reference-proxy\/(src|migrations|public)\s/);
  });
});
