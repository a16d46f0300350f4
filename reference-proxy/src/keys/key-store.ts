// mt_live_ keys in Postgres: tenant-scoped CRUD under RLS, and authentication through auth.lookup_api_key.

import type { ApiKeyCodec } from '../auth/api-key-codec.ts';
import { type Database, isUuid, type Queryable } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import type { Plan } from '../plans.ts';

export const INTENSITIES = ['lite', 'full', 'ultra'] as const;
export type Intensity = (typeof INTENSITIES)[number];

export interface KeyRecord {
  id: string;
  userId: string;
  keyPrefix: string;
  name: string;
  intensity: Intensity;
  isActive: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface AuthenticatedKey {
  keyId: string;
  userId: string;
  plan: Plan;
  intensity: Intensity;
}

export interface KeyChanges {
  name?: string;
  intensity?: Intensity;
}

export interface KeyStore {
  /** The new key's row and its plaintext, which exists nowhere else after this call returns. */
  create(userId: string, input: KeyChanges): Promise<{ record: KeyRecord; rawKey: string }>;
  list(userId: string): Promise<KeyRecord[]>;
  get(userId: string, keyId: string): Promise<KeyRecord | null>;
  update(userId: string, keyId: string, changes: KeyChanges): Promise<KeyRecord | null>;
  /** False when the tenant has no such key. */
  revoke(userId: string, keyId: string): Promise<boolean>;
  /** The key's owner for a presented credential, or null; reads state fresh on every call. */
  authenticate(presented: string): Promise<AuthenticatedKey | null>;
}

export interface KeyStoreOptions {
  maxActiveKeys: (plan: Plan) => number;
}

interface KeyRow {
  id: string;
  user_id: string;
  key_prefix: string;
  name: string;
  intensity: Intensity;
  is_active: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

export const KEY_COLUMNS = 'id, user_id, key_prefix, name, intensity, is_active, created_at, last_used_at';
const UNIQUE_VIOLATION = '23505';
/** Mints tried for a key created without a name before its default name counts as taken. */
const DEFAULT_NAME_ATTEMPTS = 5;

export function toKeyRecord(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    keyPrefix: row.key_prefix,
    name: row.name,
    intensity: row.intensity,
    isActive: row.is_active,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function nameTaken(error: unknown): boolean {
  return (error as { code?: string }).code === UNIQUE_VIOLATION;
}

const duplicateName = () => new ApiError(409, 'conflict', 'An active key already has this name.');

export async function selectKeyById(client: Queryable, keyId: string): Promise<KeyRecord | null> {
  const result = await client.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM public.api_keys WHERE id = $1`, [
    keyId,
  ]);
  const row = result.rows[0];
  return row === undefined ? null : toKeyRecord(row);
}

export async function updateKeyById(
  client: Queryable,
  keyId: string,
  changes: KeyChanges,
): Promise<KeyRecord | null> {
  const result = await client.query<KeyRow>(
    `UPDATE public.api_keys SET name = coalesce($2, name), intensity = coalesce($3, intensity)
      WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
    [keyId, changes.name ?? null, changes.intensity ?? null],
  );
  const row = result.rows[0];
  return row === undefined ? null : toKeyRecord(row);
}

export async function revokeKeyById(client: Queryable, keyId: string): Promise<boolean> {
  const result = await client.query(
    `UPDATE public.api_keys SET is_active = false, revoked_at = coalesce(revoked_at, now())
      WHERE id = $1 RETURNING id`,
    [keyId],
  );
  return (result.rowCount ?? 0) > 0;
}

export function createKeyStore(db: Database, codec: ApiKeyCodec, options: KeyStoreOptions): KeyStore {
  return {
    async create(userId, input) {
      // The default name ("Key <key_prefix>") holds only 4 characters of the secret, so it can meet
      // another active key's; the caller chose no name, so that is no conflict of theirs: mint again.
      for (let attempt = 1; ; attempt += 1) {
        const minted = codec.mint();
        try {
          const record = await db.asTenant(userId, async (client) => {
            // serialises this tenant's creations so two at once can't both pass the count check
            await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`api_keys:${userId}`]);
            const plan = await client.query<{ plan: Plan; active: number }>(
              `SELECT u.plan, (SELECT count(*) FROM public.api_keys k WHERE k.is_active)::int AS active
               FROM public.users u`,
            );
            const row = plan.rows[0];
            if (row === undefined) throw new ApiError(401, 'unauthorized', 'Missing or invalid credentials.');
            if (row.active >= options.maxActiveKeys(row.plan)) {
              throw new ApiError(403, 'key_limit_reached', 'This plan allows no more active keys.');
            }
            const inserted = await client.query<KeyRow>(
              `INSERT INTO public.api_keys (user_id, key_prefix, key_hash, name, intensity)
             VALUES ($1, $2, $3, $4, $5) RETURNING ${KEY_COLUMNS}`,
              [
                userId,
                minted.keyPrefix,
                minted.keyHash,
                input.name ?? `Key ${minted.keyPrefix}`,
                input.intensity ?? 'full',
              ],
            );
            return toKeyRecord(inserted.rows[0] as KeyRow);
          });
          return { record, rawKey: minted.rawKey };
        } catch (error) {
          if (!nameTaken(error)) throw error;
          if (input.name !== undefined || attempt >= DEFAULT_NAME_ATTEMPTS) throw duplicateName();
        }
      }
    },

    list(userId) {
      return db.asTenant(userId, async (client) => {
        const result = await client.query<KeyRow>(
          `SELECT ${KEY_COLUMNS} FROM public.api_keys ORDER BY created_at DESC, id`,
        );
        return result.rows.map(toKeyRecord);
      });
    },

    async get(userId, keyId) {
      if (!isUuid(keyId)) return null;
      return db.asTenant(userId, (client) => selectKeyById(client, keyId));
    },

    async update(userId, keyId, changes) {
      if (!isUuid(keyId)) return null;
      try {
        return await db.asTenant(userId, (client) => updateKeyById(client, keyId, changes));
      } catch (error) {
        if (nameTaken(error)) throw duplicateName();
        throw error;
      }
    },

    async revoke(userId, keyId) {
      if (!isUuid(keyId)) return false;
      return db.asTenant(userId, (client) => revokeKeyById(client, keyId));
    },

    async authenticate(presented) {
      // Always hash and always look up, whatever the shape of the input: the time a refusal takes
      // must not depend on how close the guess was. The index finds the row by digest; the digest
      // is then compared again in constant time, so no code path compares key material bytewise.
      const presentedHash = codec.hash(presented);
      const found = await db.asService((client) =>
        client.query<{ key_id: string; user_id: string; plan: Plan; is_active: boolean; key_hash: Buffer }>(
          'SELECT key_id, user_id, plan, is_active, key_hash FROM auth.lookup_api_key($1)',
          [presentedHash],
        ),
      );
      const row = found.rows[0];
      if (row === undefined || !row.is_active || !codec.matches(row.key_hash, presentedHash)) return null;
      // last_used_at is written as the tenant, under the same RLS as every other tenant write
      const intensity = await db.asTenant(row.user_id, async (client) => {
        const touched = await client.query<{ intensity: Intensity }>(
          `UPDATE public.api_keys SET last_used_at = now() WHERE id = $1 AND is_active RETURNING intensity`,
          [row.key_id],
        );
        return touched.rows[0]?.intensity ?? null;
      });
      if (intensity === null) return null;
      return { keyId: row.key_id, userId: row.user_id, plan: row.plan, intensity };
    },
  };
}
