// Test helper: accounts, sessions and keys through the public API, each test with its own tenant.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';

export interface Tenant {
  email: string;
  password: string;
  userId: string;
  token: string;
}

export async function createTenant(app: FastifyInstance): Promise<Tenant> {
  const email = `tenant-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  const signup = await request(app.server).post('/v1/auth/signup').send({ email, password }).expect(201);
  const login = await request(app.server).post('/v1/auth/login').send({ email, password }).expect(200);
  return { email, password, userId: signup.body.user_id, token: login.body.access_token };
}

export async function createKey(
  app: FastifyInstance,
  tenant: Tenant,
  body: Record<string, unknown> = {},
): Promise<{ id: string; rawKey: string; body: Record<string, unknown> }> {
  const response = await request(app.server)
    .post('/v1/auth/keys')
    .set('authorization', `Bearer ${tenant.token}`)
    .send(body)
    .expect(201);
  return { id: response.body.id, rawKey: response.body.raw_key, body: response.body };
}
