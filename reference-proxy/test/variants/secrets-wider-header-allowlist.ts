// Variant: wider allow-lists: more provider headers pass both ways, and the proxy sets its own Server header on every response.
import type { ProviderAdapter } from '../../src/proxy/providers.ts';
import type { Variant } from './variant.ts';

// client headers a provider SDK sends that this variant passes on (none of them a credential)
const CLIENT_ALLOWED = ['openai-organization', 'openai-project', 'user-agent', 'anthropic-beta'];
// provider headers a client SDK reads
const UPSTREAM_ALLOWED =
  /^(content-type|x-request-id|request-id|retry-after|openai-[\w-]+|anthropic-ratelimit-[\w-]+)$/;

const wider = (adapter: ProviderAdapter): ProviderAdapter => ({
  ...adapter,
  buildCall(request) {
    const call = adapter.buildCall(request);
    const extra: Record<string, string> = {};
    for (const name of CLIENT_ALLOWED) {
      const value = request.headers[name];
      if (typeof value === 'string') extra[name] = value;
    }
    return { ...call, headers: { ...extra, ...call.headers } };
  },
});

export const variant: Variant = {
  description:
    'passes SDK headers (user-agent, openai-organization, x-request-id, rate-limit headers…) in both directions and sets `Server: mintoken` on every response',
  claims: ['SECRETS-10', 'SECRETS-12'],
  override: (components) => ({
    ...components,
    providerAdapters: {
      openai: wider(components.providerAdapters.openai),
      anthropic: wider(components.providerAdapters.anthropic),
      google: wider(components.providerAdapters.google),
    },
    responseHeaders: {
      onRequest(request, reply) {
        components.responseHeaders.onRequest(request, reply);
        reply.header('server', 'mintoken');
      },
      fromUpstream(headers) {
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(headers))
          if (typeof value === 'string' && UPSTREAM_ALLOWED.test(name)) out[name] = value;
        return out;
      },
    },
  }),
};
