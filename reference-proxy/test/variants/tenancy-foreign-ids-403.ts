// Variant: another tenant's key or usage id answers 403 instead of 404 (the contract allows "404 (or 403)").
import { ApiError } from '../../src/errors.ts';
import type { Variant } from './variant.ts';

const forbidden = () => new ApiError(403, 'forbidden', 'Not allowed.');

export const variant: Variant = {
  description:
    "an id the tenant does not own (another tenant's, or none) answers 403 Forbidden instead of 404",
  claims: ['TENANCY-04', 'TRANSPORT-04'],
  override: (components) => {
    const { keyStore, usageStore } = components;
    return {
      ...components,
      keyStore: {
        ...keyStore,
        async get(userId, keyId) {
          const record = await keyStore.get(userId, keyId);
          if (record === null) throw forbidden();
          return record;
        },
        async update(userId, keyId, changes) {
          const record = await keyStore.update(userId, keyId, changes);
          if (record === null) throw forbidden();
          return record;
        },
        async revoke(userId, keyId) {
          if (!(await keyStore.revoke(userId, keyId))) throw forbidden();
          return true;
        },
      },
      usageStore: {
        ...usageStore,
        async get(userId, usageId) {
          const row = await usageStore.get(userId, usageId);
          if (row === null) throw forbidden();
          return row;
        },
      },
    };
  },
};
