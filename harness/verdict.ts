/** How a check tells `fail` from `error` and `not_assessed`: preconditions, refusals the contract allows, status variants. */
import { HarnessError, type HarnessErrorCode } from './errors.ts';

/**
 * Redirect statuses the contract allows for plain HTTP (§1 Transport: "308 (or 301)"). A check of the
 * redirect accepts every one of them; anything else is the probe's finding.
 */
export const HTTP_REDIRECT_STATUSES: readonly number[] = [301, 308];

/** What a target may answer for another tenant's id (§1: "404 (or 403), never the object"). */
export const FOREIGN_ID_STATUSES: readonly number[] = [403, 404];

/**
 * Thrown when this mode or this target cannot let the harness observe a check (no database URL, no
 * log source, no accounts). The reporter turns it into `not_assessed` with the message as the reason,
 * never `pass` and never `fail`.
 */
export class NotAssessed extends Error {
  override name = 'NotAssessed';
}

/**
 * A condition the harness needs before its probe means anything (an account it could create, a sample
 * big enough, a response it could parse). Unmet, the check ends as `error` with the code and reason in
 * the evidence: the harness could not tell, so it never says `fail`.
 */
export function precondition(
  condition: unknown,
  reason: string,
  code: HarnessErrorCode = 'HARNESS_ERR_PRECONDITION_UNMET',
): asserts condition {
  if (!condition) throw new HarnessError(code, reason);
}

/** A response seen by `requireStatus`: an undici, fetch or supertest response all fit. */
export interface StatusLike {
  readonly status?: number;
  readonly statusCode?: number;
}

function statusOf(response: StatusLike): number {
  return response.status ?? response.statusCode ?? 0;
}

/**
 * A set-up step (sign up, log in, mint a key, a request whose answer the probe builds on) must answer
 * one of `allowed`; otherwise the check is `error` (HARNESS_ERR_TARGET_REFUSED_SETUP) naming what was
 * refused, with the status and the start of the body. Use it for steps that are not the claim's finding.
 */
export function requireStatus(
  response: StatusLike,
  allowed: number | readonly number[],
  what: string,
  body?: unknown,
): void {
  const statuses = typeof allowed === 'number' ? [allowed] : allowed;
  const status = statusOf(response);
  if (statuses.includes(status)) return;
  const excerpt =
    body === undefined
      ? ''
      : `: ${String(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 200)}`;
  throw new HarnessError(
    'HARNESS_ERR_TARGET_REFUSED_SETUP',
    `${what} answered ${status}, expected ${statuses.join(' or ')}${excerpt}; the check cannot go on, so it proves nothing either way`,
  );
}

/** The backend secrets the harness generated for this run; a target it did not start (external) has none it knows. */
export function runSecretsOf<T>(env: { secrets: T | null; mode: string }): T {
  if (env.secrets === null) {
    throw new NotAssessed(
      `the harness did not start this ${env.mode} target, so it does not know its backend secrets (JWT secret, pepper, database password) to look for them`,
    );
  }
  return env.secrets;
}

/** The origin of a provider the target forwards to, as the run knows it; unknown (an external target) is not_assessed. */
export function upstreamUrlOf(
  env: { upstreams: Record<string, { url: string }>; mode: string },
  provider: string,
): string {
  const url = env.upstreams[provider]?.url ?? '';
  if (url === '') {
    throw new NotAssessed(
      `the ${provider} origin this ${env.mode} target forwards to is unknown to the harness (give run.external.mockUpstreams when the deployment uses the harness's mocks)`,
    );
  }
  return url;
}
