// The canary sweep sees every encoding it claims to, and nothing in clean text.
import { describe, expect, test } from 'vitest';
import {
  canaryForms,
  FRAGMENT_LENGTH,
  fingerprint,
  makeCanary,
  plantedFormsMissed,
  sweepBuffer,
} from './canary.ts';

describe('canary sweep', () => {
  test.for(['openai', 'anthropic', 'google', 'text'] as const)('makes unique %s canaries', (shape) => {
    const values = new Set(Array.from({ length: 200 }, () => makeCanary(shape)));
    expect(values.size).toBe(200);
  });

  test.for(['openai', 'anthropic', 'google'] as const)(
    'finds a %s canary planted as a logger, a URL, hex and base64 at every alignment would write it',
    (shape) => {
      expect(
        plantedFormsMissed(Buffer.from('{"level":30,"msg":"request completed"}\n'.repeat(50)), shape),
      ).toEqual([]);
    },
  );

  test('finds base64 of the key at each byte alignment by the matching form', () => {
    const secret = makeCanary('openai');
    const forms = canaryForms(secret, { fragments: false });
    for (const [alignment, prefix] of ['', 'x', 'xy'].entries()) {
      const encoded = Buffer.from(`${prefix}${secret}`).toString('base64');
      const found = sweepBuffer(Buffer.from(`data=${encoded};`), forms).map((f) => f.form);
      expect(found).toContain(`base64@${alignment}`);
    }
  });

  test('finds a fragment of 16 characters and ignores one of 15', () => {
    const secret = makeCanary('anthropic');
    const forms = canaryForms(secret);
    expect(sweepBuffer(Buffer.from(`hint ${secret.slice(20, 20 + FRAGMENT_LENGTH)} end`), forms)).not.toEqual(
      [],
    );
    expect(sweepBuffer(Buffer.from(`hint ${secret.slice(20, 20 + FRAGMENT_LENGTH - 1)} end`), forms)).toEqual(
      [],
    );
  });

  test('finds UTF-16LE copies only when asked (heap snapshots)', () => {
    const secret = makeCanary('google');
    const heap = Buffer.from(`..${secret}..`, 'utf16le');
    expect(sweepBuffer(heap, canaryForms(secret, { fragments: false }))).toEqual([]);
    expect(
      sweepBuffer(heap, canaryForms(secret, { fragments: false, utf16: true })).map((f) => f.form),
    ).toEqual(['utf16le']);
  });

  test('names a canary by fingerprint, never by value', () => {
    const secret = makeCanary('openai');
    expect(fingerprint(secret)).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(fingerprint(secret)).not.toContain(secret.slice(8, 16));
  });
});
