// LIMITS-01/02: how much of a request the server reads and for how long, per route kind and per plan.
import { Transform } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { ApiError } from '../errors.ts';
import { contextOf } from '../http/request-context.ts';
import type { PlanPolicy } from '../plans.ts';

/** Routes without an mt_live_ key (signup, login, management) take small JSON bodies only. */
export const KEYLESS_BODY_LIMIT_BYTES = 16 * 1_024;

export interface RequestLimits {
  /** body limit of every route but the proxy's (which have their plan's) */
  keylessBodyLimitBytes: number;
  /** the whole request (headers and body) must arrive within this; 0 = no limit */
  requestTimeoutMs: number;
  /** how often the server looks for requests past their time */
  timeoutCheckIntervalMs: number;
}

export function createRequestLimits(config: Config): RequestLimits {
  return {
    keylessBodyLimitBytes: KEYLESS_BODY_LIMIT_BYTES,
    requestTimeoutMs: config.REQUEST_TIMEOUT_SECONDS * 1_000,
    timeoutCheckIntervalMs: 1_000,
  };
}

export type PreParsingStep = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: NodeJS.ReadableStream,
) => Promise<NodeJS.ReadableStream>;

/** Builds the proxy routes' preParsing step that holds a body to its key's plan, however it is framed. */
export type PlanBodyLimitFactory = (plans: PlanPolicy) => PreParsingStep;

const tooLarge = () =>
  new ApiError(413, 'payload_too_large', "The request body exceeds this plan's size limit.");

/**
 * Counts the bytes as they arrive (chunked bodies declare no length) and stops reading with 413 as
 * soon as the plan's limit is passed, instead of buffering up to the largest plan's limit first.
 */
export const createPlanBodyLimit: PlanBodyLimitFactory = (plans) => async (request, _reply, payload) => {
  const apiKey = contextOf(request).apiKey;
  if (apiKey === undefined) return payload;
  const limit = plans.maxBodyBytes(apiKey.plan);
  let received = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limit) callback(tooLarge());
      else callback(null, chunk);
    },
  });
  payload.on('error', (error: Error) => counted.destroy(error));
  payload.pipe(counted);
  return counted;
};
