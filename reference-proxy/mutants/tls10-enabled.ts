// Mutant (TRANSPORT-01): "keep legacy clients working": TLS 1.0 and up, with the CBC suites they need, at OpenSSL security level 0.
import type { Components } from '../src/components.ts';
import { MOZILLA_INTERMEDIATE_CIPHERS } from '../src/http/tls-policy.ts';

export function mutate(components: Components): Components {
  return {
    ...components,
    tlsPolicy: {
      ...components.tlsPolicy,
      minVersion: 'TLSv1',
      // TLS 1.0 has no AEAD suite, so "old clients" also need CBC ones; Node's OpenSSL offers
      // TLS 1.0 only at security level 0
      ciphers: `${MOZILLA_INTERMEDIATE_CIPHERS}:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:@SECLEVEL=0`,
    },
  };
}
