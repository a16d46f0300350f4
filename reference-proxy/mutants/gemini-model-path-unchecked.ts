// Mutant (SECRETS-01): the Gemini model check loosened to let tuned-model names ("tunedModels/x") through, so any string reaches the upstream path.
import type { Components } from '../src/components.ts';
import { createGoogleAdapter } from '../src/proxy/providers.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    providerAdapters: {
      ...components.providerAdapters,
      google: createGoogleAdapter((model) => model.trim() !== '' && model.length <= 256),
    },
  };
}
