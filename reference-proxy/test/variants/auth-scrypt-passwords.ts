// Variant: passwords stored with scrypt at N = 2^17, r = 8, p = 1 (OWASP's scrypt minimum) in passlib's format.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Variant } from './variant.ts';

const LOG_N = 17;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
// 128 × N × r bytes of work memory, over node's 32 MiB default
const MAX_MEMORY = 256 * 1_024 * 1_024;

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, { N: 2 ** LOG_N, r: R, p: P, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

const PREFIX = `$scrypt$ln=${LOG_N},r=${R},p=${P}$`;

export const variant: Variant = {
  description: 'passwords are stored with scrypt (N=2^17, r=8, p=1) instead of argon2id',
  claims: ['AUTH-10'],
  override: (components) => {
    const dummySalt = randomBytes(16);
    return {
      ...components,
      passwords: {
        async hash(password) {
          const salt = randomBytes(16);
          const key = await derive(password, salt);
          return `${PREFIX}${salt.toString('base64')}$${key.toString('base64')}`;
        },
        async verify(storedHash, password) {
          const [salt = '', expected = ''] = (storedHash ?? '').startsWith(PREFIX)
            ? (storedHash ?? '').slice(PREFIX.length).split('$')
            : [dummySalt.toString('base64'), ''];
          const key = await derive(password, Buffer.from(salt, 'base64'));
          const wanted = Buffer.from(expected, 'base64');
          return storedHash !== null && wanted.length === key.length && timingSafeEqual(wanted, key);
        },
      },
    };
  },
};
