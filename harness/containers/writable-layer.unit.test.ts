// pathsToCopy: which archives of a `docker diff` hold every added or changed file, and nothing twice.
import { describe, expect, test } from 'vitest';
import { pathsToCopy } from './writable-layer.ts';

describe('pathsToCopy', () => {
  test('an added directory is copied whole; modified parents are not; deletions and skipped mounts are dropped', () => {
    const changes = [
      { Path: '/var', Kind: 0 },
      { Path: '/var/tmp', Kind: 0 },
      { Path: '/var/tmp/spool', Kind: 1 },
      { Path: '/var/tmp/spool/a.json', Kind: 1 },
      { Path: '/etc', Kind: 0 },
      { Path: '/etc/hosts', Kind: 0 },
      { Path: '/etc/old', Kind: 2 },
      { Path: '/var/lib/harness/data/x', Kind: 1 },
    ];
    expect(pathsToCopy(changes, ['/var/lib/harness/data'])).toEqual(['/etc/hosts', '/var/tmp/spool']);
  });
});
