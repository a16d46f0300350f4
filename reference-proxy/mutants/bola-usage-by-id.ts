// Mutant (TENANCY-04): listed usage rows are cached by id "so the detail view opens instantly", and GET /v1/usage/{id} answers from that cache without asking whose row it is.
import type { Components } from '../src/components.ts';
import type { UsageRow } from '../src/usage/usage-store.ts';

export function mutate(components: Components): Components {
  const store = components.usageStore;
  const byId = new Map<string, UsageRow>();
  return {
    ...components,
    usageStore: {
      ...store,
      async list(userId, limit) {
        const rows = await store.list(userId, limit);
        for (const row of rows) byId.set(row.id, row);
        return rows;
      },
      async get(userId, usageId) {
        return byId.get(usageId) ?? store.get(userId, usageId);
      },
    },
  };
}
