// Mutant (AUTH-07): the session's signature and audience are checked by hand, and its expiry is forgotten.
import { compactVerify } from 'jose';
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
          const { payload } = await compactVerify(token, key, { algorithms: ['HS256'] });
          const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
          const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
          if (!audience.includes(SESSION_AUDIENCE) || claims.role !== SESSION_AUDIENCE) return null;
          return typeof claims.sub === 'string' ? { userId: claims.sub } : null;
        } catch {
          return null;
        }
      },
    },
  };
}
