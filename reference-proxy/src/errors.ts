// The API's error type and its JSON envelope: every error a client sees goes through here.

export type ErrorType =
  | 'invalid_request'
  | 'missing_provider_key'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'key_limit_reached'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limit_exceeded'
  | 'too_many_failed_authentications'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'internal_error';

export interface ErrorEnvelope {
  error: { type: ErrorType; message: string };
}

/** An error whose status, type and message are safe to show a client as they are. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;
  readonly type: ErrorType;
  readonly retryAfterSeconds: number | undefined;

  constructor(statusCode: number, type: ErrorType, message: string, retryAfterSeconds?: number) {
    super(message);
    this.statusCode = statusCode;
    this.type = type;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { type: this.type, message: this.message } };
  }
}

// One body for missing, malformed, unknown and revoked credentials, so a 401 tells a guesser nothing.
export const UNAUTHORIZED_MESSAGE = 'Missing or invalid credentials.';

export function unauthorized(): ApiError {
  return new ApiError(401, 'unauthorized', UNAUTHORIZED_MESSAGE);
}

export function notFound(what = 'Resource'): ApiError {
  return new ApiError(404, 'not_found', `${what} not found.`);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'invalid_request', message);
}
