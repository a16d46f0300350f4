// Mutant (SECRETS-13): "finish the upstream call to bill it": the provider's answer is read to its end even after the client left.
import { PassThrough } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Components } from '../src/components.ts';

export function mutate(components: Components): Components {
  const real = components.upstreamClient;
  return {
    ...components,
    upstreamClient: {
      async send(call) {
        // the caller's signal (client gone, deadline) is ignored
        const response = await real.send(call, new AbortController().signal);
        const body = new PassThrough();
        // the upstream body is drained to its end whatever happens to what the proxy reads
        response.body.on('data', (chunk: Buffer) => {
          if (!body.destroyed) body.write(chunk);
        });
        response.body.on('end', () => {
          if (!body.destroyed) body.end();
        });
        response.body.on('error', (error) => body.destroy(error));
        return { ...response, body: body as unknown as Dispatcher.ResponseData['body'] };
      },
      close: () => real.close(),
    },
  };
}
