// Mutant (TRANSPORT-01): "TLS 1.0 is gone, 1.1 is fine": TLS 1.1 and up, with the CBC suites 1.1 needs, at OpenSSL security level 0.
import type { Components } from '../src/components.ts';
import { MOZILLA_INTERMEDIATE_CIPHERS } from '../src/http/tls-policy.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    tlsPolicy: {
      ...components.tlsPolicy,
      minVersion: 'TLSv1.1',
      ciphers: `${MOZILLA_INTERMEDIATE_CIPHERS}:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0`,
    },
  };
}
