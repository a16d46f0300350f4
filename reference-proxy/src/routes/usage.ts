// Usage rows and analytics for the signed-in user: /v1/usage, /v1/usage/{id}, /v1/analytics/*.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createSessionGuard } from '../auth/guards.ts';
import type { Components } from '../components.ts';
import { badRequest, notFound } from '../errors.ts';
import { requireSession } from '../http/request-context.ts';

export const MAX_USAGE_LIMIT = 500;
const DEFAULT_USAGE_LIMIT = 50;
const DEFAULT_PERIOD_MS = 30 * 24 * 60 * 60 * 1_000;

const ListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).optional() });
const PeriodQuerySchema = z.object({ start: z.iso.datetime().optional(), end: z.iso.datetime().optional() });

function periodOf(query: unknown): { start: Date; end: Date } {
  const parsed = PeriodQuerySchema.safeParse(query);
  if (!parsed.success) throw badRequest('start and end must be ISO-8601 timestamps.');
  const end = parsed.data.end === undefined ? new Date() : new Date(parsed.data.end);
  const start =
    parsed.data.start === undefined
      ? new Date(end.getTime() - DEFAULT_PERIOD_MS)
      : new Date(parsed.data.start);
  if (start > end) throw badRequest('start must not be after end.');
  return { start, end };
}

export async function usageRoutes(app: FastifyInstance, options: { components: Components }): Promise<void> {
  const { usageStore } = options.components;
  app.addHook('onRequest', createSessionGuard(options.components));

  app.get('/v1/usage', async (request) => {
    const { userId } = requireSession(request);
    const parsed = ListQuerySchema.safeParse(request.query);
    if (!parsed.success) throw badRequest('limit must be a positive integer.');
    const limit = Math.min(parsed.data.limit ?? DEFAULT_USAGE_LIMIT, MAX_USAGE_LIMIT);
    return { usage: await usageStore.list(userId, limit) };
  });

  app.get('/v1/usage/:id', async (request) => {
    const { userId } = requireSession(request);
    const { id } = z.object({ id: z.string() }).parse(request.params);
    const row = await usageStore.get(userId, id);
    if (row === null) throw notFound('Usage row');
    return row;
  });

  app.get('/v1/analytics/summary', async (request) => {
    const { userId } = requireSession(request);
    const { start, end } = periodOf(request.query);
    return usageStore.summary(userId, start, end);
  });

  app.get('/v1/analytics/by-key', async (request) => {
    const { userId } = requireSession(request);
    const { start, end } = periodOf(request.query);
    return { keys: await usageStore.byKey(userId, start, end) };
  });
}
