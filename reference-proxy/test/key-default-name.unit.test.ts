// A key created without a name never fails on its default name ("Key <key_prefix>"), which only 4 characters of the secret make.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyCodec, KEY_PREFIX } from '../src/auth/api-key-codec.ts';
import { createKeyStore } from '../src/keys/key-store.ts';
import { createTenant } from './api-helpers.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;

beforeAll(async () => {
  env = await startTestEnvironment();
});
afterAll(async () => {
  await env?.stop();
});

/** A codec whose first `repeats` keys all start with the same 4 characters, as a rare draw would. */
function codecWithRepeatedPrefix(repeats: number) {
  const real = createApiKeyCodec(env.config.API_KEY_PEPPER);
  let minted = 0;
  return {
    ...real,
    mint() {
      const key = real.mint();
      minted += 1;
      if (minted > repeats) return key;
      const rawKey = `${KEY_PREFIX}AAAA${key.rawKey.slice(KEY_PREFIX.length + 4)}`;
      return { rawKey, keyPrefix: `${KEY_PREFIX}AAAA`, keyHash: real.hash(rawKey) };
    },
  };
}

describe('key default names', () => {
  it('mints again when the default name is taken, and still refuses a taken explicit name', async () => {
    const tenant = await createTenant(env.app);
    const store = createKeyStore(env.runtime.db, codecWithRepeatedPrefix(2), { maxActiveKeys: () => 10 });
    const first = await store.create(tenant.userId, {});
    const second = await store.create(tenant.userId, {});
    expect(first.record.name).toBe(`Key ${KEY_PREFIX}AAAA`);
    expect(second.record.keyPrefix).not.toBe(`${KEY_PREFIX}AAAA`);
    await expect(store.create(tenant.userId, { name: first.record.name })).rejects.toMatchObject({
      statusCode: 409,
    });
  });
});
