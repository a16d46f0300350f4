// Mutant (LIMITS-02): the plan's body limit is checked on the declared length only, so a chunked body is read in full first.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  return { ...components, planBodyLimit: () => async (_request, _reply, payload) => payload };
}
