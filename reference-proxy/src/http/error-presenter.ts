// What a client sees of an error: the API error's envelope, never the cause behind it.
import type { ApiError, ErrorEnvelope } from '../errors.ts';

export interface ErrorPresenter {
  /** The JSON body for `error`; `cause` is what was thrown (an internal error, a library error, …). */
  body(error: ApiError, cause: unknown): ErrorEnvelope | Record<string, unknown>;
}

export function createErrorPresenter(): ErrorPresenter {
  return {
    // the cause may quote configuration, a query or a request: it stays in the (redacted) log
    body: (error) => error.toEnvelope(),
  };
}
