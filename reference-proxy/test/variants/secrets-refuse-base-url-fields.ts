// Variant: a stricter proxy that refuses (400) a body naming a base URL, and any request carrying forwarding or rewrite headers (SECRETS-10 and -11 accept the refusal).
import { badRequest } from '../../src/errors.ts';
import type { ProviderAdapter } from '../../src/proxy/providers.ts';
import type { Variant } from './variant.ts';

const BASE_URL_FIELDS = ['api_base', 'base_url', 'baseURL'];
const REWRITE_HEADERS = ['x-forwarded-host', 'x-original-url', 'x-rewrite-url'];

const strict = (adapter: ProviderAdapter): ProviderAdapter => ({
  ...adapter,
  buildCall(request) {
    if (BASE_URL_FIELDS.some((field) => field in request.body))
      throw badRequest('The request body may not choose the provider URL.');
    if (REWRITE_HEADERS.some((name) => request.headers[name] !== undefined))
      throw badRequest('Forwarding and rewrite headers are not accepted.');
    return adapter.buildCall(request);
  },
});

export const variant: Variant = {
  description:
    'refuses with 400 a body with `api_base`/`base_url`/`baseURL` and requests with X-Forwarded-Host/X-Original-URL/X-Rewrite-URL (the reference ignores them)',
  claims: ['SECRETS-10', 'SECRETS-11'],
  override: (components) => ({
    ...components,
    providerAdapters: {
      openai: strict(components.providerAdapters.openai),
      anthropic: strict(components.providerAdapters.anthropic),
      google: strict(components.providerAdapters.google),
    },
  }),
};
