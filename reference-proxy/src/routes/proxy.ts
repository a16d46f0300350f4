// The proxy endpoints: /v1/chat/completions, /v1/messages, /v1/generateContent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Components } from '../components.ts';
import { ApiError, badRequest } from '../errors.ts';
import { requireApiKey } from '../http/request-context.ts';
import { LARGEST_BODY_BYTES, type PlanPolicy } from '../plans.ts';
import { compressionPrompt, isRequestIntensity, type RequestIntensity } from '../proxy/compression-prompt.ts';
import { forward } from '../proxy/forward.ts';
import { requireJsonObject } from '../proxy/providers.ts';
import type { Provider } from '../usage/usage-store.ts';

export interface ProxyRouteOptions {
  components: Components;
  plans: PlanPolicy;
  timeoutMs: number;
}

const ROUTES: { url: string; provider: Provider; allowXApiKey: boolean }[] = [
  { url: '/v1/chat/completions', provider: 'openai', allowXApiKey: false },
  // the Anthropic SDK sends its api_key as x-api-key
  { url: '/v1/messages', provider: 'anthropic', allowXApiKey: true },
  { url: '/v1/generateContent', provider: 'google', allowXApiKey: false },
];

function intensityOf(request: FastifyRequest, keyDefault: RequestIntensity): RequestIntensity {
  const value = request.headers['x-mintoken-intensity'];
  if (value === undefined) return keyDefault;
  if (typeof value !== 'string' || !isRequestIntensity(value.toLowerCase())) {
    throw badRequest('X-Mintoken-Intensity must be one of lite, full, ultra, none.');
  }
  return value.toLowerCase() as RequestIntensity;
}

export async function proxyRoutes(app: FastifyInstance, options: ProxyRouteOptions): Promise<void> {
  const { components, plans } = options;
  // The body is taken as bytes whatever its declared type: the plan's size limit is checked on the
  // bytes, and malformed JSON becomes our own 400 only after the key and the rate limit passed.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: LARGEST_BODY_BYTES },
    (_request, body, done) => {
      done(null, body);
    },
  );

  const deps = {
    upstreamClient: components.upstreamClient,
    upstreamErrorReporter: components.upstreamErrorReporter,
    usageStore: components.usageStore,
    responseHeaders: components.responseHeaders,
    timeoutMs: options.timeoutMs,
  };

  for (const route of ROUTES) {
    const adapter = components.providerAdapters[route.provider];
    app.post(route.url, {
      ...components.proxyAdmission(components, plans, { allowXApiKey: route.allowXApiKey }),
      // LIMITS-02: after admission (the key is known), the plan's limit binds the bytes as they arrive
      preParsing: [components.planBodyLimit(plans)],
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const apiKey = requireApiKey(request);
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        if (raw.length > plans.maxBodyBytes(apiKey.plan)) {
          throw new ApiError(413, 'payload_too_large', "The request body exceeds this plan's size limit.");
        }
        const providerKey = components.providerKeyReader.read(request, apiKey);
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          throw badRequest('The request body is not valid JSON.');
        }
        const body = requireJsonObject(parsed);
        const intensity = intensityOf(request, apiKey.intensity);
        const call = adapter.buildCall({
          body,
          providerKey,
          prompt: compressionPrompt(intensity),
          headers: request.headers,
        });
        reply.header('x-mintoken-intensity', intensity);
        return forward(deps, request, reply, adapter, apiKey, call);
      },
    });
  }
}
