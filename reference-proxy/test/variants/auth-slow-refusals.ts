// Variant: refusing an unknown key takes 3–6 ms more, at random (a slower, noisier key lookup), the same for every wrong key.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description: 'a wrong key is refused after an extra random 3–6 ms, whatever it shares with a real key',
  claims: ['AUTH-05', 'AUTH-06', 'AUTH-08'],
  override: (components) => {
    const keys = components.keyStore;
    return {
      ...components,
      keyStore: {
        ...keys,
        async authenticate(presented) {
          const found = await keys.authenticate(presented);
          if (found === null) await sleep(3 + Math.random() * 3);
          return found;
        },
      },
    };
  },
};
