// Mutant (TRANSPORT-02): ":HIGH" appended to the cipher list "for compatibility": TLS 1.2 also accepts CBC suites without AEAD.
import type { Components } from '../src/components.ts';
import { MOZILLA_INTERMEDIATE_CIPHERS } from '../src/http/tls-policy.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    tlsPolicy: { ...components.tlsPolicy, ciphers: `${MOZILLA_INTERMEDIATE_CIPHERS}:HIGH:!aNULL:!MD5` },
  };
}
