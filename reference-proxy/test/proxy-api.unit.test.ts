// The reference proxy's HTTP API against real Postgres and a TLS mock upstream: accounts, keys, credentials, limits.
import { SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasValidFormat } from '../src/auth/api-key-codec.ts';
import { HSTS_VALUE } from '../src/http/hooks.ts';
import { createKey, createTenant } from './api-helpers.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;
const server = () => env.app.server;

beforeAll(async () => {
  env = await startTestEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

describe('health and accounts', () => {
  it('answers /health and /version without credentials', async () => {
    const health = await request(server()).get('/health').expect(200);
    expect(health.body).toEqual({ status: 'ok', version: expect.any(String), git_sha: '0'.repeat(40) });
    expect(health.headers['strict-transport-security']).toBe(HSTS_VALUE);
    const version = await request(server()).get('/version').expect(200);
    expect(Object.keys(version.body).sort()).toEqual(['build_time', 'git_sha', 'version']);
  });

  it('signs up once per e-mail (a taken one answers like a new one, AUTH-09) and logs in with a bearer JWT', async () => {
    const tenant = await createTenant(env.app);
    const again = await request(server())
      .post('/v1/auth/signup')
      .send({ email: tenant.email, password: 'another password 0123' })
      .expect(201);
    expect(again.body).toEqual({ user_id: expect.any(String) });
    expect(again.body.user_id).not.toBe(tenant.userId);
    await request(server())
      .post('/v1/auth/login')
      .send({ email: tenant.email, password: 'another password 0123' })
      .expect(401);
    const login = await request(server())
      .post('/v1/auth/login')
      .send({ email: tenant.email, password: tenant.password });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 3_600,
      user: { id: tenant.userId, email: tenant.email },
    });
  });

  it('refuses an unknown e-mail and a wrong password with one identical body', async () => {
    const tenant = await createTenant(env.app);
    const wrong = await request(server())
      .post('/v1/auth/login')
      .send({ email: tenant.email, password: 'nope-nope' });
    const unknown = await request(server())
      .post('/v1/auth/login')
      .send({ email: `x${tenant.email}`, password: 'nope-nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.text).toBe(wrong.text);
  });
});

describe('key management', () => {
  it('shows the raw key only in the creation response', async () => {
    const tenant = await createTenant(env.app);
    const created = await createKey(env.app, tenant, { name: 'ci' });
    expect(hasValidFormat(created.rawKey)).toBe(true);
    expect(created.body.key_prefix).toBe(created.rawKey.slice(0, 12));
    const auth = { authorization: `Bearer ${tenant.token}` };
    const list = await request(server()).get('/v1/auth/keys').set(auth).expect(200);
    const one = await request(server()).get(`/v1/auth/keys/${created.id}`).set(auth).expect(200);
    for (const response of [list, one]) {
      expect(response.text).not.toContain(created.rawKey.slice(12));
      expect(response.headers['cache-control']).toBe('no-store');
    }
    expect(Object.keys(one.body).sort()).toEqual(
      ['created_at', 'id', 'intensity', 'is_active', 'key_prefix', 'last_used_at', 'name'].sort(),
    );
  });

  it('refuses a duplicate active name with 409 and frees it on revocation', async () => {
    const tenant = await createTenant(env.app);
    const first = await createKey(env.app, tenant, { name: 'dup' });
    const auth = { authorization: `Bearer ${tenant.token}` };
    await request(server()).post('/v1/auth/keys').set(auth).send({ name: 'dup' }).expect(409);
    await request(server()).delete(`/v1/auth/keys/${first.id}`).set(auth).expect(204);
    await request(server()).post('/v1/auth/keys').set(auth).send({ name: 'dup' }).expect(201);
  });

  it('refuses a third active key on the free plan with 403', async () => {
    const tenant = await createTenant(env.app);
    await createKey(env.app, tenant);
    await createKey(env.app, tenant);
    await request(server())
      .post('/v1/auth/keys')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({})
      .expect(403);
  });

  it('updates name and intensity but never the secret', async () => {
    const tenant = await createTenant(env.app);
    const key = await createKey(env.app, tenant);
    const patched = await request(server())
      .patch(`/v1/auth/keys/${key.id}`)
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ name: 'renamed', intensity: 'ultra' })
      .expect(200);
    expect(patched.body).toMatchObject({
      name: 'renamed',
      intensity: 'ultra',
      key_prefix: key.body.key_prefix,
    });
    await request(server())
      .patch(`/v1/auth/keys/${key.id}`)
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ raw_key: 'mt_live_x' })
      .expect(400);
  });

  it("answers 404 for another tenant's key on GET, PATCH and DELETE, and changes nothing", async () => {
    const alice = await createTenant(env.app);
    const bob = await createTenant(env.app);
    const key = await createKey(env.app, alice, { name: 'alice-key' });
    const asBob = { authorization: `Bearer ${bob.token}` };
    await request(server()).get(`/v1/auth/keys/${key.id}`).set(asBob).expect(404);
    await request(server()).patch(`/v1/auth/keys/${key.id}`).set(asBob).send({ name: 'pwned' }).expect(404);
    await request(server()).delete(`/v1/auth/keys/${key.id}`).set(asBob).expect(404);
    const still = await request(server())
      .get(`/v1/auth/keys/${key.id}`)
      .set('authorization', `Bearer ${alice.token}`)
      .expect(200);
    expect(still.body).toMatchObject({ name: 'alice-key', is_active: true });
  });

  it('kills a revoked key on the very next request', async () => {
    const tenant = await createTenant(env.app);
    const key = await createKey(env.app, tenant);
    const call = () =>
      request(server())
        .post('/v1/chat/completions')
        .set('authorization', `Bearer ${key.rawKey}`)
        .set('x-provider-key', 'sk-test')
        .send({ model: 'gpt-4o', messages: [] });
    expect((await call()).status).toBe(200);
    await request(server())
      .delete(`/v1/auth/keys/${key.id}`)
      .set('authorization', `Bearer ${tenant.token}`)
      .expect(204);
    expect((await call()).status).toBe(401);
  });
});

describe('credentials are refused uniformly and never interchangeable', () => {
  let rawKey: string;
  let revokedKey: string;
  let token: string;
  let unauthorizedBody: string;

  beforeAll(async () => {
    const tenant = await createTenant(env.app);
    token = tenant.token;
    rawKey = (await createKey(env.app, tenant)).rawKey;
    const revoked = await createKey(env.app, tenant);
    revokedKey = revoked.rawKey;
    await request(server())
      .delete(`/v1/auth/keys/${revoked.id}`)
      .set('authorization', `Bearer ${token}`)
      .expect(204);
    unauthorizedBody = (await request(server()).post('/v1/chat/completions').send({})).text;
  });

  it.for([
    { name: 'a missing Authorization header', header: () => undefined },
    { name: 'a non-bearer scheme', header: () => `Basic ${Buffer.from('a:b').toString('base64')}` },
    { name: 'a malformed key', header: () => 'Bearer mt_live_short' },
    { name: 'an unknown well-formed key', header: () => `Bearer mt_live_${'A'.repeat(38)}` },
    { name: 'a revoked key', header: () => `Bearer ${revokedKey}` },
    { name: 'a truncated key', header: () => `Bearer ${rawKey.slice(0, -1)}` },
    { name: 'a wrong prefix', header: () => `Bearer mt_test_${rawKey.slice(8)}` },
    { name: 'a session JWT instead of a key', header: () => `Bearer ${token}` },
  ])('refuses $name on a proxy endpoint with the one 401 body', async ({ header }) => {
    const value = header();
    const call = request(server()).post('/v1/chat/completions').set('x-provider-key', 'sk-test');
    const response = await (value === undefined ? call : call.set('authorization', value)).send({
      model: 'm',
    });
    expect(response.status).toBe(401);
    expect(response.text).toBe(unauthorizedBody);
    expect(response.headers['strict-transport-security']).toBe(HSTS_VALUE);
  });

  it('ignores a key passed in the query string', async () => {
    const response = await request(server())
      .post(`/v1/chat/completions?api_key=${rawKey}&key=${rawKey}`)
      .set('x-provider-key', 'sk-test')
      .send({ model: 'm', messages: [] });
    expect(response.status).toBe(401);
  });

  it('refuses an mt_live_ key on the management API', async () => {
    await request(server()).get('/v1/auth/keys').set('authorization', `Bearer ${rawKey}`).expect(401);
    await request(server()).get('/v1/usage').set('authorization', `Bearer ${rawKey}`).expect(401);
  });

  it.for([
    { name: 'alg none', forge: async () => unsignedToken() },
    { name: 'a wrong signature', forge: async () => signed({ secret: 'x'.repeat(64) }) },
    {
      name: 'an expiry in the past',
      forge: async () => signed({ expiresAt: Math.floor(Date.now() / 1_000) - 60 }),
    },
    { name: 'another audience', forge: async () => signed({ audience: 'service_role' }) },
  ])('refuses a JWT with $name', async ({ forge }) => {
    const forged = await forge();
    await request(server()).get('/v1/auth/keys').set('authorization', `Bearer ${forged}`).expect(401);
  });
});

function unsignedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const exp = Math.floor(Date.now() / 1_000) + 600;
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: crypto.randomUUID(), aud: 'authenticated', role: 'authenticated', exp })}.`;
}

async function signed(options: { secret?: string; expiresAt?: number; audience?: string }): Promise<string> {
  const secret = new TextEncoder().encode(options.secret ?? env.config.JWT_SECRET);
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(crypto.randomUUID())
    .setAudience(options.audience ?? 'authenticated')
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1_000) + 600)
    .sign(secret);
}

describe('dashboard', () => {
  it('serves the page and its script under a CSP without inline script, with the documented ids', async () => {
    const page = await request(server()).get('/dashboard/keys').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const id of [
      'login-email',
      'login-password',
      'login-submit',
      'create-key-name',
      'create-key-submit',
      'raw-key-dialog',
      'raw-key-value',
      'raw-key-close',
      'keys-table',
    ]) {
      expect(page.text).toContain(`data-testid="${id}"`);
    }
    const script = await request(server()).get('/dashboard/dashboard.js').expect(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.text).not.toMatch(/localStorage|sessionStorage|document\.cookie/);
    expect(script.text).toContain('revoke-');
  });
});
