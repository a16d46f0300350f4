// Key management for the signed-in user: /v1/auth/keys and /v1/auth/keys/{id}.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { createSessionGuard } from '../auth/guards.ts';
import type { Components } from '../components.ts';
import { badRequest, notFound } from '../errors.ts';
import { requireSession } from '../http/request-context.ts';
import { INTENSITIES } from '../keys/key-store.ts';

const KeyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  intensity: z.enum(INTENSITIES).optional(),
});

function parseKeyInput(body: unknown) {
  const parsed = KeyInputSchema.safeParse(body ?? {});
  if (!parsed.success)
    throw badRequest('Expected {name?, intensity?} with intensity one of lite, full, ultra.');
  const { name, intensity } = parsed.data;
  return { ...(name === undefined ? {} : { name }), ...(intensity === undefined ? {} : { intensity }) };
}

const IdParamsSchema = z.object({ id: z.string() });

export async function keyRoutes(app: FastifyInstance, options: { components: Components }): Promise<void> {
  const { components } = options;
  const { keyStore, keyPresenter } = components;
  app.addHook('onRequest', createSessionGuard(components));

  app.post('/v1/auth/keys', async (request, reply) => {
    const { userId } = requireSession(request);
    const created = await keyStore.create(userId, parseKeyInput(request.body));
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
    const record = await keyStore.update(userId, id, parseKeyInput(request.body));
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
