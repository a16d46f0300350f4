// Variant: the upstream call ends because the proxy destroys the upstream body when its client leaves, not through an abort signal.
import type { Variant } from './variant.ts';

export const variant: Variant = {
  description:
    'passes no abort signal to the upstream request: a client that leaves ends the upstream call only through the destroyed response stream',
  claims: ['SECRETS-13'],
  override: (components) => ({
    ...components,
    upstreamClient: {
      send: (call) => components.upstreamClient.send(call, new AbortController().signal),
      close: () => components.upstreamClient.close(),
    },
  }),
};
