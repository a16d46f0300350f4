// Plan limits from Mintoken's plans page, with the environment overrides the harness uses.
import type { Config } from './config.ts';

export const PLANS = ['free', 'pro', 'team', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 60;

interface PlanLimits {
  requestsPerWindow: number;
  maxActiveKeys: number;
  maxBodyBytes: number;
}

const KB = 1_000;
const MB = 1_000_000;

export const PLAN_LIMITS: Record<Plan, PlanLimits> = {
  free: { requestsPerWindow: 20, maxActiveKeys: 2, maxBodyBytes: 100 * KB },
  pro: { requestsPerWindow: 120, maxActiveKeys: 10, maxBodyBytes: 1 * MB },
  team: { requestsPerWindow: 300, maxActiveKeys: 50, maxBodyBytes: 5 * MB },
  enterprise: { requestsPerWindow: 1_000, maxActiveKeys: 200, maxBodyBytes: 10 * MB },
};

/** The parser's ceiling; each plan's own limit is enforced after authentication. */
export const LARGEST_BODY_BYTES = Math.max(
  ...Object.values(PLAN_LIMITS).map((limits) => limits.maxBodyBytes),
);

export interface PlanPolicy {
  rateLimit(plan: Plan): { quota: number; windowSeconds: number };
  maxActiveKeys(plan: Plan): number;
  maxBodyBytes(plan: Plan): number;
}

export function createPlanPolicy(config: Config): PlanPolicy {
  return {
    rateLimit(plan) {
      return {
        quota: config.RATE_LIMIT_REQUESTS ?? PLAN_LIMITS[plan].requestsPerWindow,
        windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS ?? DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
      };
    },
    maxActiveKeys(plan) {
      return config.MAX_ACTIVE_KEYS ?? PLAN_LIMITS[plan].maxActiveKeys;
    },
    maxBodyBytes(plan) {
      return PLAN_LIMITS[plan].maxBodyBytes;
    },
  };
}
