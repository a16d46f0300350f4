// The admission steps every proxy route runs before its handler, in the contract's order.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Components } from '../components.ts';
import type { PlanPolicy } from '../plans.ts';
import { createKeyGuard } from './guards.ts';

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
 * Failed-auth throttle → key → rate limit → plan body size, all before the body is read and long
 * before anything reaches a provider: a refused request costs nothing upstream.
 */
export const createProxyAdmission: ProxyAdmissionFactory = (components, plans, options) => ({
  onRequest: [createKeyGuard(components, plans, options)],
  onSend: [],
});
