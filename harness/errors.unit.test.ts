// docs/errors.md lists exactly the codes harness/errors.ts can throw, with the same meanings.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ERROR_CODES } from './errors.ts';

test('docs/errors.md and ERROR_CODES list the same codes with the same meanings', () => {
  const documented = Object.fromEntries(
    readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => /^\|\s*`?(HARNESS_ERR_[A-Z_]+)`?\s*\|\s*(.+?)\s*\|\s*$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1], match[2]]),
  );
  expect(documented).toEqual(ERROR_CODES);
});
