// Key bodies from clients: {name?, intensity?} only; server-owned fields are refused, never applied (AUTH-13).
import { z } from 'zod';
import { badRequest } from '../errors.ts';
import { INTENSITIES, type KeyChanges, type KeyRecord, type KeyStore } from './key-store.ts';

// strict: is_active, key_prefix, user_id, created_at and anything else unknown is a 400
const KeyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  intensity: z.enum(INTENSITIES).optional(),
});

export function parseKeyInput(body: unknown): KeyChanges {
  const parsed = KeyInputSchema.safeParse(body ?? {});
  if (!parsed.success)
    throw badRequest('Expected {name?, intensity?} with intensity one of lite, full, ultra.');
  const { name, intensity } = parsed.data;
  return { ...(name === undefined ? {} : { name }), ...(intensity === undefined ? {} : { intensity }) };
}

/** PATCH /v1/auth/keys/{id}: what of a client's body reaches the key, through the (possibly replaced) store. */
export interface KeyPatcher {
  apply(keyStore: KeyStore, userId: string, keyId: string, body: unknown): Promise<KeyRecord | null>;
}

export function createKeyPatcher(): KeyPatcher {
  return {
    apply(keyStore, userId, keyId, body) {
      return keyStore.update(userId, keyId, parseKeyInput(body));
    },
  };
}
