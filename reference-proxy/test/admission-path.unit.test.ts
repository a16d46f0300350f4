// The proxied call's database path: one admission statement, usage rows written off the response path without loss, per-key call limits.
import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallLimits } from '../src/rate-limit/call-limits.ts';
import { createUsageStore } from '../src/usage/usage-store.ts';
import { createKey, createTenant } from './api-helpers.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await startTestEnvironment({ AUTH_FAILURE_LIMIT: '5' });
});
afterAll(async () => {
  await env?.stop();
});

const call = {
  provider: 'openai' as const,
  path: '/v1/chat/completions',
  headers: {},
  body: '{}',
  model: 'm',
};

describe('usage rows off the response path', () => {
  it('batches a burst of one tenant and shows every row to a read that follows at once', async () => {
    const tenant = await createTenant(env.app);
    const key = await createKey(env.app, tenant);
    const store = createUsageStore(env.runtime.db, (error) => {
      throw error;
    });
    const entries = Array.from({ length: 25 }, (_, index) => ({
      userId: tenant.userId,
      keyId: key.id,
      provider: 'openai' as const,
      model: `model-${index}`,
      inputTokens: index,
      outputTokens: 1,
      statusCode: 200,
    }));
    // record() resolves before the row is written: the caller never waits for the database
    await Promise.all(entries.map((entry) => store.record(entry, call as never)));
    const rows = await store.list(tenant.userId, 100);
    expect(rows).toHaveLength(25);
    expect(new Set(rows.map((row) => row.model))).toEqual(new Set(entries.map((entry) => entry.model)));
  });

  it('keeps the good rows of a batch when one of them cannot be written', async () => {
    const tenant = await createTenant(env.app);
    const key = await createKey(env.app, tenant);
    const failures: unknown[] = [];
    const store = createUsageStore(env.runtime.db, (error) => failures.push(error));
    const good = {
      userId: tenant.userId,
      keyId: key.id,
      provider: 'openai' as const,
      model: 'm',
      inputTokens: 1,
      outputTokens: 1,
      statusCode: 200,
    };
    const foreignKey = { ...good, keyId: '00000000-0000-4000-8000-000000000000' };
    await store.record(good, call as never);
    await store.record(good, call as never);
    await store.record(foreignKey, call as never);
    await store.record(good, call as never);
    await store.drain();
    expect(await store.list(tenant.userId, 100)).toHaveLength(3);
    expect(failures).toHaveLength(1);
  });
});

describe('admission in one statement', () => {
  it('answers 401 up to the failure limit, 429 past it, and then to a valid key from that address too', async () => {
    const tenant = await createTenant(env.app);
    const key = await createKey(env.app, tenant);
    const statuses = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      const response = await request(env.app.server)
        .post('/v1/chat/completions')
        .set('authorization', 'Bearer mt_live_wrong')
        .send({});
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // the throttle is the address's: supertest comes from 127.0.0.1 too, so the valid key is refused here
    const refused = await request(env.app.server)
      .post('/v1/chat/completions')
      .set('authorization', `Bearer ${key.rawKey}`)
      .send({});
    expect(refused.status).toBe(429);
  });
});

describe('per-key call limits', () => {
  const fakeReply = () => {
    const raw = Object.assign(new EventEmitter(), {
      destroyed: false,
      destroy() {
        this.destroyed = true;
      },
    });
    return { raw } as unknown as FastifyReply & { raw: EventEmitter & { destroyed: boolean } };
  };

  it('refuses a call past the cap until one closes', () => {
    const limits = createCallLimits({ maxConcurrentPerKey: 2, lifetimeMs: 60_000 });
    const first = fakeReply();
    limits.admit('k', first);
    limits.admit('k', fakeReply());
    expect(() => limits.admit('k', fakeReply())).toThrow(/concurrent/);
    limits.admit('other', fakeReply());
    first.raw.emit('close');
    expect(() => limits.admit('k', fakeReply())).not.toThrow();
  });

  it('cuts a response at its lifetime', async () => {
    const limits = createCallLimits({ maxConcurrentPerKey: 2, lifetimeMs: 20 });
    const reply = fakeReply();
    limits.admit('k', reply);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(reply.raw.destroyed).toBe(true);
  });
});
