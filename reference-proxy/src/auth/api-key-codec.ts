// The mt_live_ key format: minting from the CSPRNG, the CRC32 checksum, and the peppered HMAC that is all we store.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const KEY_PREFIX = 'mt_live_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 32 base62 characters ≈ 190 bits, well above the contract's 128. */
export const SECRET_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
// The largest multiple of 62 that fits a byte: bytes at or above it are dropped, not wrapped,
// so every base62 character is exactly equally likely (no modulo bias).
const REJECTION_THRESHOLD = 248;
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}$`);

export interface MintedKey {
  rawKey: string;
  /** `mt_live_` + the first 4 characters of the secret: what lists and the dashboard show */
  keyPrefix: string;
  keyHash: Buffer;
}

export interface ApiKeyCodec {
  mint(): MintedKey;
  hash(presented: string): Buffer;
  matches(storedHash: Buffer, presentedHash: Buffer): boolean;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= REJECTION_THRESHOLD) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** CRC32 of the random part in base62, left-padded with `0` to 6 characters (GitHub-token style). */
export function checksumOf(randomPart: string): string {
  let value = crc32(randomPart);
  let out = '';
  while (value > 0) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out.padStart(CHECKSUM_LENGTH, '0');
}

/** Offline shape check (prefix, alphabet, length, checksum). Never used to skip the database lookup. */
export function hasValidFormat(candidate: string): boolean {
  if (!KEY_PATTERN.test(candidate)) return false;
  const body = candidate.slice(KEY_PREFIX.length);
  return checksumOf(body.slice(0, SECRET_LENGTH)) === body.slice(SECRET_LENGTH);
}

export function createApiKeyCodec(pepper: string): ApiKeyCodec {
  return {
    mint() {
      const secret = randomBase62(SECRET_LENGTH);
      const rawKey = `${KEY_PREFIX}${secret}${checksumOf(secret)}`;
      return { rawKey, keyPrefix: `${KEY_PREFIX}${secret.slice(0, 4)}`, keyHash: this.hash(rawKey) };
    },
    hash(presented) {
      return createHmac('sha256', pepper).update(presented, 'utf8').digest();
    },
    matches(storedHash, presentedHash) {
      return storedHash.length === presentedHash.length && timingSafeEqual(storedHash, presentedHash);
    },
  };
}
