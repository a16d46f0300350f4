// Mutant (AUTH-05): the key store explains itself — a malformed key gets its own 401 message, unlike an unknown one.
import { hasValidFormat } from '../src/auth/api-key-codec.ts';
import { stepwiseProxyAdmission } from '../src/auth/proxy-admission.ts';
import type { Components } from '../src/components.ts';
import { ApiError } from '../src/errors.ts';

export function mutate(components: Components): Components {
  const real = components.keyStore;
  return {
    ...components,
    // the fused admission statement would bypass the faulted component: admit step by step
    proxyAdmission: stepwiseProxyAdmission,
    keyStore: {
      ...real,
      async authenticate(presented) {
        if (!hasValidFormat(presented)) {
          throw new ApiError(
            401,
            'unauthorized',
            'The API key is malformed: expected mt_live_ and 38 characters.',
          );
        }
        return real.authenticate(presented);
      },
    },
  };
}
