// Reserves free TCP ports on 127.0.0.1 for the servers a run starts.
import { createServer } from 'node:net';
import { HarnessError, messageOf } from './errors.ts';

/**
 * A port that was free on 127.0.0.1 a moment ago. The OS picks it (listen on port 0), so
 * concurrent runs don't collide in practice; the port is released before the caller binds it.
 */
export function reserveFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error) =>
      reject(
        new HarnessError(
          'HARNESS_ERR_PORT_UNAVAILABLE',
          `could not bind a free port on 127.0.0.1: ${messageOf(error)}. Check that loopback is up.`,
          { cause: error },
        ),
      ),
    );
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports. */
export async function reserveFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await reserveFreePort());
  return [...ports];
}
