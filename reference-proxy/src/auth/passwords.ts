// Password hashing for accounts: argon2id, a dummy verify so unknown e-mails cost the same time, and the weak-password rule.
import { type Algorithm, hash, hashSync, verify } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords.ts';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Verifies against `storedHash`, or against a dummy hash when the account does not exist. */
  verify(storedHash: string | null, password: string): Promise<boolean>;
}

/** OWASP's minimum for argon2id (ASVS 11.4.2): 19 MiB, 2 passes, 1 lane; stated, not left to a default. */
export const ARGON2_OPTIONS = {
  // Algorithm.Argon2id (an ambient const enum, which type stripping cannot inline)
  algorithm: 2 as Algorithm,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export const MIN_PASSWORD_LENGTH = 8;

/** Why a password is refused at signup (AUTH-10, ASVS 6.2.1/6.2.4), or null when it is acceptable. */
export function weakPasswordReason(password: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `a password needs ${MIN_PASSWORD_LENGTH}+ characters`;
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'this password is on a list of common passwords';
  return null;
}

export function createPasswordHasher(): PasswordHasher {
  // made once per process from random bytes, so no password can ever match it
  const dummyHash = hashSync(crypto.randomUUID(), ARGON2_OPTIONS);
  return {
    hash(password) {
      return hash(password, ARGON2_OPTIONS);
    },
    async verify(storedHash, password) {
      const ok = await verify(storedHash ?? dummyHash, password);
      return storedHash !== null && ok;
    },
  };
}
