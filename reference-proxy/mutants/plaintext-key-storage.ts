// Mutant (AUTH-02): the "hash" column holds the key's 32-character secret as it is — hashing was left for later.
import { createHash } from 'node:crypto';
import { createApiKeyCodec, hasValidFormat, KEY_PREFIX, SECRET_LENGTH } from '../src/auth/api-key-codec.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { createKeyStore } from '../src/keys/key-store.ts';

/** The secret's 32 ASCII bytes; anything not shaped like a key gets a digest no stored secret can equal. */
function storedForm(presented: string): Buffer {
  if (!hasValidFormat(presented)) return createHash('sha256').update(presented).digest();
  return Buffer.from(presented.slice(KEY_PREFIX.length, KEY_PREFIX.length + SECRET_LENGTH), 'utf8');
}

export function mutate(components: Components, config: Config, runtime: Runtime): Components {
  const codec = createApiKeyCodec(config.API_KEY_PEPPER);
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
