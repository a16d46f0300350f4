// The admission steps every proxy route runs before its handler, in the contract's order.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Components } from '../components.ts';
import type { Database } from '../db/database.ts';
import { ApiError, unauthorized } from '../errors.ts';
import { clientAddress, contextOf } from '../http/request-context.ts';
import type { Intensity } from '../keys/key-store.ts';
import { PLANS, type Plan, type PlanPolicy } from '../plans.ts';
import { type CallLimitSettings, createCallLimits } from '../rate-limit/call-limits.ts';
import type { ApiKeyCodec } from './api-key-codec.ts';
import { createKeyGuard, enforcePlanBodySize } from './guards.ts';

export type OnRequestStep = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
export type OnSendStep = (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>;

/** Route hooks of one proxy route: what runs before the handler, and what runs on its answer. */
export interface ProxyAdmission {
  onRequest: OnRequestStep[];
  onSend: OnSendStep[];
}

export type ProxyAdmissionFactory = (
  components: Components,
  plans: PlanPolicy,
  options: { allowXApiKey: boolean },
) => ProxyAdmission;

/**
 * The step-by-step admission, one component after another (throttle check, key, failure record,
 * rate limit, body size): each step its own transaction. Mutants that fault one of those components
 * use it, so the fault sits on the path they break.
 */
export const stepwiseProxyAdmission: ProxyAdmissionFactory = (components, plans, options) => ({
  onRequest: [createKeyGuard(components, plans, options)],
  onSend: [],
});

export interface AdmissionSettings {
  db: Database;
  codec: ApiKeyCodec;
  failureLimit: number;
  failureWindowSeconds: number;
  /** LIMITS-03: open calls per key and a response's lifetime */
  callLimits: CallLimitSettings;
}

interface AdmissionRow {
  outcome: 'throttled' | 'unauthenticated' | 'admitted';
  retry_after: number | null;
  key_id: string | null;
  user_id: string | null;
  plan: Plan | null;
  intensity: Intensity | null;
  key_hash: Buffer | null;
  quota: number | null;
  request_count: number | null;
  reset_seconds: number | null;
}

const throttled = (retryAfterSeconds: number) =>
  new ApiError(
    429,
    'too_many_failed_authentications',
    'Too many failed authentication attempts from this address. Try again later.',
    retryAfterSeconds,
  );

const int = (value: number) => String(Math.trunc(value));

/**
 * Failed-auth throttle → key → rate limit → `last_used_at` (at most once a minute) in ONE statement
 * (auth.admit_proxy_request), then the plan's body size and the key's open-call cap (whose slot also
 * bounds the response's lifetime): all before the body is read and long before
 * anything reaches a provider. A failed attempt is counted in the same upsert that decides whether it
 * is still evaluated, so concurrent guesses cannot all slip under the limit.
 */
export function createProxyAdmission(settings: AdmissionSettings): ProxyAdmissionFactory {
  const { db, codec } = settings;
  // one set of counters for all three routes: a key's cap spans them
  const callLimits = createCallLimits(settings.callLimits);
  return (components, plans, options) => {
    const windows = new Set(PLANS.map((plan) => plans.rateLimit(plan).windowSeconds));
    if (windows.size !== 1) throw new Error('every plan must share one rate-limit window');
    const rateWindow = [...windows][0] as number;
    const quotas = JSON.stringify(
      Object.fromEntries(PLANS.map((plan) => [plan, plans.rateLimit(plan).quota])),
    );
    return {
      onRequest: [
        async (request, reply) => {
          const presented = components.apiKeyReader.read(request, options);
          const presentedHash = presented === null || presented === '' ? null : codec.hash(presented);
          const rows = await db.asServiceStatement<AdmissionRow>(
            // counters and last_used_at are soft state: a database crash may forget the last few
            // hundred ms of counts, and in exchange a hot key's counter row is not locked across a flush
            (literal) =>
              'SET LOCAL synchronous_commit = off; ' +
              `SELECT * FROM auth.admit_proxy_request(${literal(clientAddress(request))}::inet, ` +
              `${presentedHash === null ? 'NULL' : `'\\x${presentedHash.toString('hex')}'`}::bytea, ` +
              `${int(settings.failureLimit)}, ${int(settings.failureWindowSeconds)}, ${int(rateWindow)}, ` +
              `${literal(quotas)}::jsonb)`,
          );
          const row = rows[0];
          if (row === undefined) throw new Error('admission returned no row');
          if (row.outcome === 'throttled') throw throttled(Math.max(1, row.retry_after ?? 1));
          if (
            row.outcome !== 'admitted' ||
            presentedHash === null ||
            row.key_hash === null ||
            !codec.matches(row.key_hash, presentedHash)
          ) {
            throw unauthorized();
          }
          const context = contextOf(request);
          context.apiKey = {
            keyId: row.key_id as string,
            userId: row.user_id as string,
            plan: row.plan as Plan,
            intensity: row.intensity as Intensity,
          };
          const quota = row.quota as number;
          const count = row.request_count as number;
          const decision = {
            allowed: count <= quota,
            quota,
            remaining: Math.max(0, quota - count),
            resetSeconds: Math.min(rateWindow, Math.max(1, row.reset_seconds ?? rateWindow)),
            windowSeconds: rateWindow,
          };
          context.rateLimit = decision;
          if (!decision.allowed) {
            throw new ApiError(
              429,
              'rate_limit_exceeded',
              'Rate limit exceeded for this key.',
              decision.resetSeconds,
            );
          }
          enforcePlanBodySize(plans, request);
          callLimits.admit(context.apiKey.keyId, reply);
        },
      ],
      onSend: [],
    };
  };
}
