// Mutant (TRANSPORT-03): the HTTP port serves the full API app over plain HTTP.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return { ...components, httpListener: ({ apiHandler }) => apiHandler };
}
