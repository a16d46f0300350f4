// Mutant (AUTH-14): session verification checks signature, algorithm, audience and expiry, but not the issuer.
import { jwtVerify } from 'jose';
import { SESSION_AUDIENCE } from '../src/auth/sessions.ts';
import type { Components } from '../src/components.ts';
import type { Config } from '../src/config.ts';

export function mutate(components: Components, config: Config): Components {
  const key = new TextEncoder().encode(config.JWT_SECRET);
  return {
    ...components,
    sessions: {
      ...components.sessions,
      async verify(token) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms: ['HS256'],
            audience: SESSION_AUDIENCE,
            requiredClaims: ['exp', 'sub'],
          });
          if (payload.role !== SESSION_AUDIENCE || typeof payload.sub !== 'string') return null;
          return { userId: payload.sub };
        } catch {
          return null;
        }
      },
    },
  };
}
