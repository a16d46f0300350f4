// Mutant (AUTH-02): keys are stored encrypted (AES-256-CTR under the pepper, fixed IV so a key can still be looked up) "so support can recover a lost key".
import { createCipheriv, createHash } from 'node:crypto';
import { createApiKeyCodec, hasValidFormat, KEY_PREFIX, SECRET_LENGTH } from '../src/auth/api-key-codec.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { createKeyStore } from '../src/keys/key-store.ts';

export function mutate(components: Components, config: Config, runtime: Runtime): Components {
  const codec = createApiKeyCodec(config.API_KEY_PEPPER);
  const encryptionKey = createHash('sha256').update(config.API_KEY_PEPPER).digest();
  // deterministic on purpose: the lookup encrypts the presented key and finds the row by the result
  const iv = createHash('sha256').update(`iv:${config.API_KEY_PEPPER}`).digest().subarray(0, 16);
  const storedForm = (presented: string): Buffer => {
    if (!hasValidFormat(presented)) return createHash('sha256').update(presented).digest();
    const secret = presented.slice(KEY_PREFIX.length, KEY_PREFIX.length + SECRET_LENGTH);
    const cipher = createCipheriv('aes-256-ctr', encryptionKey, iv);
    return Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  };
  return {
    ...components,
    keyStore: createKeyStore(
      runtime.db,
      {
        ...codec,
        mint() {
          const minted = codec.mint();
          return { ...minted, keyHash: storedForm(minted.rawKey) };
        },
        hash: storedForm,
      },
      { maxActiveKeys: (plan) => runtime.plans.maxActiveKeys(plan) },
    ),
  };
}
