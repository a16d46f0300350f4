// AUTH-01/02 at the unit level: key format, checksum, alphabet spread, and the peppered hash.
import { describe, expect, it } from 'vitest';
import { checksumOf, createApiKeyCodec, hasValidFormat, KEY_PREFIX } from '../src/auth/api-key-codec.ts';

const codec = createApiKeyCodec('p'.repeat(64));
const BASE62 = /^[0-9A-Za-z]+$/;

describe('AUTH-01 mt_live_ keys carry at least 128 bits from the CSPRNG', () => {
  it('mints mt_live_ + 32 random base62 characters + a 6-character CRC32 checksum', () => {
    const { rawKey, keyPrefix } = codec.mint();
    expect(rawKey).toMatch(/^mt_live_[0-9A-Za-z]{38}$/);
    expect(keyPrefix).toBe(rawKey.slice(0, KEY_PREFIX.length + 4));
    expect(checksumOf(rawKey.slice(8, 40))).toBe(rawKey.slice(40));
    expect(hasValidFormat(rawKey)).toBe(true);
    expect(hasValidFormat(`${rawKey.slice(0, -1)}${rawKey.endsWith('0') ? '1' : '0'}`)).toBe(false);
  });

  it('spreads characters evenly over the alphabet (no modulo bias)', () => {
    const counts = new Map<string, number>();
    const KEYS = 4_000;
    for (let i = 0; i < KEYS; i += 1) {
      for (const char of codec.mint().rawKey.slice(8, 40)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const expected = (KEYS * 32) / 62;
    // chi-square with 61 degrees of freedom: 100 is beyond p = 0.001
    const chiSquare = [...counts.values()].reduce((sum, seen) => sum + (seen - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(100);
  });

  it('never mints the same key twice in 10,000', () => {
    const keys = new Set(Array.from({ length: 10_000 }, () => codec.mint().rawKey));
    expect(keys.size).toBe(10_000);
  });

  it('left-pads checksums with 0 in base62', () => {
    for (let i = 0; i < 200; i += 1)
      expect(checksumOf(codec.mint().rawKey.slice(8, 40))).toMatch(/^[0-9A-Za-z]{6}$/);
    expect(BASE62.test(checksumOf(''))).toBe(true);
    expect(checksumOf('')).toBe('000000');
  });
});

describe('AUTH-02 keys are stored only as a peppered one-way hash', () => {
  it('hashes with HMAC-SHA256 under the pepper: 32 bytes, different per pepper, never the key', () => {
    const { rawKey, keyHash } = codec.mint();
    expect(keyHash).toHaveLength(32);
    expect(keyHash.toString('latin1')).not.toContain(rawKey.slice(8));
    expect(createApiKeyCodec('q'.repeat(64)).hash(rawKey).equals(keyHash)).toBe(false);
    expect(codec.matches(keyHash, codec.hash(rawKey))).toBe(true);
    expect(codec.matches(keyHash, codec.hash(`${rawKey}x`))).toBe(false);
  });
});
