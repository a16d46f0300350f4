// What gets logged when a provider answers with an error status: the fact, never the request or the body.
import type { FastifyBaseLogger } from 'fastify';
import type { UpstreamCall } from '../proxy/providers.ts';

export interface UpstreamErrorReport {
  call: UpstreamCall;
  statusCode: number;
  responseBody: Buffer;
}

export interface UpstreamErrorReporter {
  report(log: FastifyBaseLogger, report: UpstreamErrorReport): void;
}

export function createUpstreamErrorReporter(): UpstreamErrorReporter {
  return {
    report(log, { call, statusCode, responseBody }) {
      // The body may echo the provider key back (OpenAI's 401 does), so only its size is logged.
      log.warn(
        { provider: call.provider, upstreamStatus: statusCode, upstreamBodyBytes: responseBody.length },
        'upstream answered with an error status',
      );
    },
  };
}
