// docs/settings.md lists every HARNESS_* variable the code reads (error codes aside).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';

test('every HARNESS_* variable in the code is documented in docs/settings.md', () => {
  const root = new URL('..', import.meta.url).pathname;
  const used = new Set(
    execFileSync(
      'git',
      ['grep', '-ohE', 'HARNESS_[A-Z][A-Z0-9_]+', '--', '*.ts', '*.mjs', '*.sh', '*.yml', '*.yaml'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter(
        (name) => name !== '' && !/^HARNESS_(ERR(_.*|OR_CODES)?|LABEL|MODES|APPLICATION_PREFIX)$/.test(name),
      ),
  );
  const doc = readFileSync(new URL('../docs/settings.md', import.meta.url), 'utf8');
  expect([...used].filter((name) => !doc.includes(`\`${name}\``)).sort()).toEqual([]);
});
