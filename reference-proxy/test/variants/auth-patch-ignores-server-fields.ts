// Variant: a key PATCH silently drops fields it does not know (server-owned ones included) instead of refusing the body.
import { z } from 'zod';
import { badRequest } from '../../src/errors.ts';
import { INTENSITIES } from '../../src/keys/key-store.ts';
import type { Variant } from './variant.ts';

// not strict: unknown keys are stripped, so `is_active`, `key_prefix`, `user_id`, `created_at` are ignored
const LenientKeyInput = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  intensity: z.enum(INTENSITIES).optional(),
});

export const variant: Variant = {
  description: 'a key PATCH ignores server-owned fields (200, nothing changed) rather than answering 400',
  claims: ['AUTH-13'],
  override: (components) => ({
    ...components,
    keyPatcher: {
      apply(keyStore, userId, keyId, body) {
        const parsed = LenientKeyInput.safeParse(body ?? {});
        if (!parsed.success) throw badRequest('Expected {name?, intensity?}.');
        const { name, intensity } = parsed.data;
        return keyStore.update(userId, keyId, {
          ...(name === undefined ? {} : { name }),
          ...(intensity === undefined ? {} : { intensity }),
        });
      },
    },
  }),
};
