// Each mutant breaks what it claims to break (so a control that passes on the reference and fails here is real).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutantModule } from '../mutants/main.ts';
import type { HttpListenerContext } from '../src/http/http-listener.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createKey, createTenant } from './api-helpers.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;
const PROVIDER_KEY = `sk-canary-${crypto.randomUUID()}`;

beforeAll(async () => {
  env = await startTestEnvironment({ RATE_LIMIT_REQUESTS: '2', RATE_LIMIT_WINDOW_SECONDS: '3600' });
});
afterAll(async () => {
  await env?.stop();
});

async function mutantApp(name: string): Promise<FastifyInstance> {
  const mutant = (await import(`../mutants/${name}.ts`)) as MutantModule;
  return env.buildVariant((components, config, runtime) => mutant.mutate(components, config, runtime));
}

async function mutantListener(name: string, apiHandler: HttpListenerContext['apiHandler']) {
  const mutant = (await import(`../mutants/${name}.ts`)) as MutantModule;
  const components = mutant.mutate(env.components, env.config, env.runtime);
  const server = createServer(
    components.httpListener({ httpsPort: 8_443, logger: createLogger('silent'), apiHandler }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/v1/usage?limit=1`, { redirect: 'manual' });
  await new Promise((resolve) => server.close(resolve));
  return response;
}

const proxyCall = (app: FastifyInstance, rawKey: string, model: string) =>
  request(app.server)
    .post('/v1/chat/completions')
    .set({ authorization: `Bearer ${rawKey}`, 'x-provider-key': PROVIDER_KEY })
    .send({ model, messages: [] });

describe('mutants', () => {
  it('log-request-headers writes the provider key into the logs', async () => {
    const app = await mutantApp('log-request-headers');
    const tenant = await createTenant(app);
    await proxyCall(app, (await createKey(app, tenant)).rawKey, 'gpt-4o');
    expect(env.logs.join('\n')).toContain(PROVIDER_KEY);
    env.logs.length = 0;
  });

  it('log-upstream-error-with-headers writes the provider key into the logs on an upstream error', async () => {
    const app = await mutantApp('log-upstream-error-with-headers');
    const tenant = await createTenant(app);
    const rawKey = (await createKey(app, tenant)).rawKey;
    await proxyCall(app, rawKey, 'gpt-4o');
    expect(env.logs.join('\n')).not.toContain(PROVIDER_KEY);
    await proxyCall(app, rawKey, 'mock-500');
    expect(env.logs.join('\n')).toContain(PROVIDER_KEY);
    env.logs.length = 0;
  });

  it('raw-key-on-list shows the raw key again in the list', async () => {
    const app = await mutantApp('raw-key-on-list');
    const tenant = await createTenant(app);
    const { rawKey } = await createKey(app, tenant);
    const list = await request(app.server)
      .get('/v1/auth/keys')
      .set('authorization', `Bearer ${tenant.token}`);
    expect(list.text).toContain(rawKey);
  });

  it("bola-key-by-id reads, renames and revokes another tenant's key", async () => {
    const app = await mutantApp('bola-key-by-id');
    const alice = await createTenant(app);
    const bob = await createTenant(app);
    const key = await createKey(app, alice);
    const asBob = { authorization: `Bearer ${bob.token}` };
    await request(app.server).get(`/v1/auth/keys/${key.id}`).set(asBob).expect(200);
    await request(app.server).patch(`/v1/auth/keys/${key.id}`).set(asBob).send({ name: 'pwned' }).expect(200);
    await request(app.server).delete(`/v1/auth/keys/${key.id}`).set(asBob).expect(204);
  });

  it('ratelimit-off never refuses', async () => {
    const app = await mutantApp('ratelimit-off');
    const rawKey = (await createKey(app, await createTenant(app))).rawKey;
    for (let i = 0; i < 4; i += 1) expect((await proxyCall(app, rawKey, 'gpt-4o')).status).toBe(200);
  });

  it('ratelimit-headers-lie refuses on time but reports the full quota remaining', async () => {
    const app = await mutantApp('ratelimit-headers-lie');
    const rawKey = (await createKey(app, await createTenant(app))).rawKey;
    const first = await proxyCall(app, rawKey, 'gpt-4o');
    expect(first.headers.ratelimit).toMatch(/r=2;/);
    await proxyCall(app, rawKey, 'gpt-4o');
    expect((await proxyCall(app, rawKey, 'gpt-4o')).status).toBe(429);
  });

  it('no-http-redirect answers 200 on the HTTP port', async () => {
    const response = await mutantListener('no-http-redirect', () => {});
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
  });

  it('redirect-other-host sends everyone to a fixed host with 302', async () => {
    const response = await mutantListener('redirect-other-host', () => {});
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://api.mintoken.dev/v1/usage?limit=1');
  });

  it('http-serves-api hands plain-HTTP requests to the API', async () => {
    const response = await mutantListener('http-serves-api', (req, res) => env.app.routing(req, res));
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'unauthorized' } });
  });
});
