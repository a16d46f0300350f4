// Per-run secrets that double as canaries: random, unmistakable, never printed by the harness.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A random base62 string (default 40 characters ≈ 238 bits). Base62 survives URLs, env files
 * and JSON unescaped, so a sweep that finds the raw string finds every verbatim copy of it.
 */
export function generateCanary(length = 40): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length)) {
      // 248 = 4 × 62: rejecting larger bytes keeps every character equally likely.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

const SCRAM_ITERATIONS = 4_096;

/**
 * The SCRAM-SHA-256 verifier Postgres stores for `password` (RFC 5802/7677), so CREATE ROLE can
 * carry the verifier instead of the plaintext: the statement log (log_statement=all) then never
 * holds the password canary. Valid for ASCII passwords, where SASLprep is the identity.
 */
export function scramSha256Verifier(password: string): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
