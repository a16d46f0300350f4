// Mutant (SECRETS-07): a debug interceptor that logs every successful JSON answer of a provider, completion included.
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Components, Runtime } from '../src/components.ts';
import type { Config } from '../src/config.ts';

export function mutate(components: Components, _config: Config, runtime: Runtime): Components {
  const real = components.upstreamClient;
  return {
    ...components,
    upstreamClient: {
      async send(call, signal) {
        const response = await real.send(call, signal);
        const type = String(response.headers['content-type'] ?? '');
        if (response.statusCode >= 400 || !type.includes('json')) return response;
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        runtime.logger.debug(
          `upstream ${call.provider} answered ${response.statusCode}: ${body.toString('utf8')}`,
        );
        return { ...response, body: Readable.from([body]) as unknown as Dispatcher.ResponseData['body'] };
      },
      close: () => real.close(),
    },
  };
}
