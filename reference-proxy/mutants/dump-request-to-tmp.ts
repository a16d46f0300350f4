// Mutant (SECRETS-03): each outgoing call's method, path and headers spooled to TMPDIR "to replay auth failures"; never cleaned up.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.upstreamClient;
  return {
    ...components,
    upstreamClient: {
      send(call, signal) {
        // bodies are left out (they can be megabytes); the headers are "what you need to replay"
        const spool = {
          at: new Date().toISOString(),
          provider: call.provider,
          method: 'POST',
          path: call.path,
          headers: call.headers,
        };
        writeFileSync(path.join(tmpdir(), `mintoken-upstream-${randomUUID()}.json`), JSON.stringify(spool));
        return real.send(call, signal);
      },
      close: () => real.close(),
    },
  };
}
