// Mutant (AUTH-09): login skips the dummy hash for an unknown e-mail, so it answers much faster than a wrong password.
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const { passwords } = components;
  return {
    ...components,
    passwords: {
      ...passwords,
      async verify(storedHash, password) {
        if (storedHash === null) return false;
        return passwords.verify(storedHash, password);
      },
    },
  };
}
