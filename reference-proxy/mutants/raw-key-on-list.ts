// Mutant (AUTH-03): the presenter remembers raw keys it showed, and shows them again "so users can copy it again".
import type { Components } from '../src/components.ts';
import { toPublicKey } from '../src/keys/key-presenter.ts';

export function mutate(components: Components): Components {
  const minted = new Map<string, string>();
  return {
    ...components,
    keyPresenter: {
      presentCreated(record, rawKey) {
        minted.set(record.id, rawKey);
        return { ...toPublicKey(record), raw_key: rawKey };
      },
      present(record) {
        const rawKey = minted.get(record.id);
        return rawKey === undefined ? toPublicKey(record) : { ...toPublicKey(record), raw_key: rawKey };
      },
    },
  };
}
