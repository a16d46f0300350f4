// Mutant (TRANSPORT-04/05): HSTS only on successful responses, as when the header is set on the success path and the error handler bypasses it.
import type { Components } from '../src/components.ts';
import { HSTS_VALUE } from '../src/http/hooks.ts';

const FIRST_ERROR_STATUS = 400;

export function mutate(components: Components): Components {
  return {
    ...components,
    hstsPolicy: (statusCode) => (statusCode < FIRST_ERROR_STATUS ? HSTS_VALUE : null),
  };
}
