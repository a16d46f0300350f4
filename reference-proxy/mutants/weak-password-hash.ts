// Mutant (AUTH-10): passwords are stored as one round of salted SHA-256, a fast hash a GPU cracks by the billion.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Components } from '../src/components.ts';

const digest = (salt: string, password: string) =>
  createHash('sha256').update(`${salt}${password}`).digest('hex');

export function mutate(components: Components): Components {
  return {
    ...components,
    passwords: {
      async hash(password) {
        const salt = randomBytes(16).toString('hex');
        return `sha256$${salt}$${digest(salt, password)}`;
      },
      async verify(storedHash, password) {
        const [scheme, salt = '', expected = ''] = (storedHash ?? 'sha256$$').split('$');
        const actual = digest(salt, password);
        return (
          storedHash !== null &&
          scheme === 'sha256' &&
          expected.length === actual.length &&
          timingSafeEqual(Buffer.from(expected), Buffer.from(actual))
        );
      },
    },
  };
}
