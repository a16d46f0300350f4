// Mutant (ERRORS-01): "helpful 5xx": the body carries the cause's message and stack trace.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.errorPresenter;
  return {
    ...components,
    errorPresenter: {
      body(error, cause) {
        const envelope = real.body(error, cause);
        if (error.statusCode < 500 || !(cause instanceof Error)) return envelope;
        return { error: { type: error.type, message: cause.message, stack: cause.stack ?? '' } };
      },
    },
  };
}
