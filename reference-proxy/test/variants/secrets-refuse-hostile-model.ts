// Variant: a stricter proxy that refuses (400) any `model` that is not a plain id for every provider, instead of forwarding it safely.
import { badRequest } from '../../src/errors.ts';
import { isPlainGeminiModel, type ProviderAdapter } from '../../src/proxy/providers.ts';
import type { Variant } from './variant.ts';

const strict = (adapter: ProviderAdapter): ProviderAdapter => ({
  ...adapter,
  buildCall(request) {
    const model = request.body.model;
    if (typeof model === 'string' && !isPlainGeminiModel(model))
      throw badRequest('`model` must be a plain model id.');
    return adapter.buildCall(request);
  },
});

export const variant: Variant = {
  description:
    'refuses with 400 a `model` that is not a plain id on every provider (the reference forwards it to the configured origin)',
  claims: ['SECRETS-01'],
  override: (components) => ({
    ...components,
    providerAdapters: {
      openai: strict(components.providerAdapters.openai),
      anthropic: strict(components.providerAdapters.anthropic),
      google: strict(components.providerAdapters.google),
    },
  }),
};
