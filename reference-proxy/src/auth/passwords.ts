// Password hashing for accounts: argon2id, and a dummy verify so unknown e-mails cost the same time.
import { hash, hashSync, verify } from '@node-rs/argon2';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Verifies against `storedHash`, or against a dummy hash when the account does not exist. */
  verify(storedHash: string | null, password: string): Promise<boolean>;
}

// @node-rs/argon2 defaults to argon2id (19 MiB, t=2, p=1): OWASP's recommended minimum
export function createPasswordHasher(): PasswordHasher {
  // made once per process from random bytes, so no password can ever match it
  const dummyHash = hashSync(crypto.randomUUID());
  return {
    hash(password) {
      return hash(password);
    },
    async verify(storedHash, password) {
      const ok = await verify(storedHash ?? dummyHash, password);
      return storedHash !== null && ok;
    },
  };
}
