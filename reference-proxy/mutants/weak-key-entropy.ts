// Mutant (AUTH-01): the key's secret is the hex of a UUID v4 — 32 characters that look random but carry 122 bits, in 16 symbols.
import { randomUUID } from 'node:crypto';
import { checksumOf, createApiKeyCodec, KEY_PREFIX } from '../src/auth/api-key-codec.ts';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';
import { createKeyStore } from '../src/keys/key-store.ts';

export function mutate(components: Components, config: Config, runtime: Runtime): Components {
  const codec = createApiKeyCodec(config.API_KEY_PEPPER);
  return {
    ...components,
    keyStore: createKeyStore(
      runtime.db,
      {
        ...codec,
        mint() {
          const secret = randomUUID().replaceAll('-', '');
          const rawKey = `${KEY_PREFIX}${secret}${checksumOf(secret)}`;
          return { rawKey, keyPrefix: `${KEY_PREFIX}${secret.slice(0, 4)}`, keyHash: codec.hash(rawKey) };
        },
      },
      { maxActiveKeys: (plan) => runtime.plans.maxActiveKeys(plan) },
    ),
  };
}
