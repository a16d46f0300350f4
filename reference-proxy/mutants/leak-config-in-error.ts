// Mutant (SECRETS-09): "verbose errors at LOG_LEVEL=debug": a 5xx body carries its cause and the configuration, secrets included.
import type { Components } from '../src/components.ts';
import type { Config } from '../src/config.ts';

export function mutate(components: Components, config: Config): Components {
  return {
    ...components,
    errorPresenter: {
      body(error, cause) {
        const envelope = error.toEnvelope();
        if (error.statusCode < 500 || config.LOG_LEVEL !== 'debug') return envelope;
        return {
          ...envelope,
          debug: { cause: cause instanceof Error ? cause.message : String(cause), config },
        };
      },
    },
  };
}
