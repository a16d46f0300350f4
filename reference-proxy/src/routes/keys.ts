// Key management for the signed-in user: /v1/auth/keys and /v1/auth/keys/{id}.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createSessionGuard } from '../auth/guards.ts';
import type { Components } from '../components.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireSession } from '../http/request-context.ts';
import { parseKeyInput } from '../keys/key-input.ts';

const IdParamsSchema = z.object({ id: z.string() });

export async function keyRoutes(app: FastifyInstance, options: { components: Components }): Promise<void> {
  const { components } = options;
  const { keyStore, keyPresenter } = components;
  app.addHook('onRequest', createSessionGuard(components));

  app.post('/v1/auth/keys', async (request, reply) => {
    const { userId } = requireSession(request);
    const input = parseKeyInput(request.body);
    // AUTH-12: create/revoke cycles cannot mint keys without end
    const admitted = components.keyMintThrottle.take(userId);
    if (!admitted.allowed) {
      throw new ApiError(
        429,
        'rate_limit_exceeded',
        'Too many keys created. Try again later.',
        admitted.retryAfterSeconds,
      );
    }
    const created = await keyStore.create(userId, input);
    return reply.code(201).send(keyPresenter.presentCreated(created.record, created.rawKey));
  });

  app.get('/v1/auth/keys', async (request) => {
    const { userId } = requireSession(request);
    const keys = await keyStore.list(userId);
    return { keys: keys.map((record) => keyPresenter.present(record)) };
  });

  app.get('/v1/auth/keys/:id', async (request) => {
    const { userId } = requireSession(request);
    const { id } = IdParamsSchema.parse(request.params);
    const record = await keyStore.get(userId, id);
    if (record === null) throw notFound('Key');
    return keyPresenter.present(record);
  });

  app.patch('/v1/auth/keys/:id', async (request) => {
    const { userId } = requireSession(request);
    const { id } = IdParamsSchema.parse(request.params);
    const record = await components.keyPatcher.apply(keyStore, userId, id, request.body);
    if (record === null) throw notFound('Key');
    return keyPresenter.present(record);
  });

  app.delete('/v1/auth/keys/:id', async (request, reply) => {
    const { userId } = requireSession(request);
    const { id } = IdParamsSchema.parse(request.params);
    if (!(await keyStore.revoke(userId, id))) throw notFound('Key');
    return reply.code(204).send();
  });
}
