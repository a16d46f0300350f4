// Variant: a key id the tenant does not own answers 403 instead of 404 (contract §1: "404 (or 403), never the object").
import { ApiError } from '../../src/errors.ts';
import type { Variant } from './variant.ts';

const forbidden = () => new ApiError(403, 'forbidden', 'This key is not yours.');

export const variant: Variant = {
  description: "GET, PATCH and DELETE of another tenant's (or an unknown) key id answer 403 instead of 404",
  claims: ['AUTH-03', 'AUTH-04', 'AUTH-05', 'AUTH-07'],
  override: (components) => {
    const keys = components.keyStore;
    return {
      ...components,
      keyStore: {
        ...keys,
        async get(userId, keyId) {
          const record = await keys.get(userId, keyId);
          if (record === null) throw forbidden();
          return record;
        },
        async update(userId, keyId, changes) {
          const record = await keys.update(userId, keyId, changes);
          if (record === null) throw forbidden();
          return record;
        },
        async revoke(userId, keyId) {
          if (!(await keys.revoke(userId, keyId))) throw forbidden();
          return true;
        },
      },
    };
  },
};
