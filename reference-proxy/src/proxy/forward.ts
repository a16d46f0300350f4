// One proxied call: send, then pass the provider's answer through (streamed or whole) and record its token counts.
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import { ApiError } from '../errors.ts';
import type { ResponseHeaderPolicy } from '../http/response-headers.ts';
import type { AuthenticatedKey } from '../keys/key-store.ts';
import type { UpstreamErrorReporter } from '../logging/upstream-error-reporter.ts';
import type { UsageStore } from '../usage/usage-store.ts';
import type { ProviderAdapter, TokenCounts, UpstreamCall } from './providers.ts';
import { SseUsageMeter } from './sse-usage-meter.ts';
import type { UpstreamClient } from './upstream-client.ts';

export interface ForwardDeps {
  upstreamClient: UpstreamClient;
  upstreamErrorReporter: UpstreamErrorReporter;
  usageStore: UsageStore;
  responseHeaders: ResponseHeaderPolicy;
  timeoutMs: number;
}

// a JSON answer bigger than this is not something we pass through whole
const MAX_BUFFERED_RESPONSE_BYTES = 64 * 1_000_000;

const upstreamTimeout = () => new ApiError(504, 'upstream_timeout', 'The provider did not answer in time.');
const upstreamUnavailable = (message = 'The provider could not be reached.') =>
  new ApiError(502, 'upstream_unavailable', message);

/** undici's own per-socket timers: they run on the same deadline as ours and may fire first, more so on a busy machine */
const UNDICI_TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Whether a failed upstream call ran out of time: our deadline fired, or undici's timer on the same deadline did. */
export function isUpstreamTimeout(error: unknown, deadlinePassed: boolean): boolean {
  if (deadlinePassed) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNDICI_TIMEOUT_CODES.has(code);
}

async function readAll(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BUFFERED_RESPONSE_BYTES) throw upstreamUnavailable('The provider response was too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function forward(
  deps: ForwardDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  adapter: ProviderAdapter,
  apiKey: AuthenticatedKey,
  call: UpstreamCall,
): Promise<FastifyReply> {
  const controller = new AbortController();
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, deps.timeoutMs);
  // a client that hangs up mid-request or mid-stream ends the upstream call too
  const onClientGone = () => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  reply.raw.once('close', onClientGone);

  const record = (statusCode: number, counts: TokenCounts) =>
    deps.usageStore
      .record(
        {
          userId: apiKey.userId,
          keyId: apiKey.keyId,
          provider: adapter.provider,
          model: call.model,
          ...counts,
          statusCode,
        },
        call,
      )
      .catch((error: unknown) => request.log.error({ err: error }, 'usage row not written'));

  let upstream: Dispatcher.ResponseData;
  try {
    upstream = await deps.upstreamClient.send(call, controller.signal);
  } catch (error) {
    clearTimeout(deadline);
    // the error's code (ECONNREFUSED, a certificate failure, …) is logged; never its message or options
    const code = (error as { code?: unknown }).code;
    request.log.warn(
      { provider: adapter.provider, code: typeof code === 'string' ? code : 'unknown', timedOut },
      'upstream call failed',
    );
    throw isUpstreamTimeout(error, timedOut) ? upstreamTimeout() : upstreamUnavailable();
  }

  const passed = deps.responseHeaders.fromUpstream(upstream.headers);
  const contentType = passed['content-type'] ?? 'application/json';
  reply.headers(passed);
  const isStream = upstream.statusCode < 400 && contentType.startsWith('text/event-stream');

  if (isStream) {
    // past the headers, the deadline becomes the per-chunk idle timeout (undici's bodyTimeout)
    clearTimeout(deadline);
    const meter = new SseUsageMeter(adapter);
    let recorded = false;
    const finish = () => {
      if (recorded) return;
      recorded = true;
      void record(upstream.statusCode, meter.counts);
    };
    pipeline(upstream.body, meter)
      .catch(() => meter.destroy())
      .finally(finish);
    reply.code(upstream.statusCode).header('content-type', contentType).header('cache-control', 'no-store');
    return reply.send(meter);
  }

  let body: Buffer;
  try {
    body = await readAll(upstream.body);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw isUpstreamTimeout(error, timedOut)
      ? upstreamTimeout()
      : upstreamUnavailable('The provider dropped the connection.');
  } finally {
    clearTimeout(deadline);
  }

  if (upstream.statusCode >= 400) {
    deps.upstreamErrorReporter.report(request.log, {
      call,
      statusCode: upstream.statusCode,
      responseBody: body,
    });
    await record(upstream.statusCode, { inputTokens: 0, outputTokens: 0 });
    // provider errors pass through unchanged, so client SDKs keep their own error handling
    return reply.code(upstream.statusCode).header('content-type', contentType).send(body);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    await record(502, { inputTokens: 0, outputTokens: 0 });
    throw upstreamUnavailable('The provider sent a response that is not valid JSON.');
  }
  await record(upstream.statusCode, adapter.usageFromResponse(parsed));
  return reply.code(upstream.statusCode).header('content-type', contentType).send(body);
}
