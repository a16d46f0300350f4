// Turns key rows into the contract's key object; the plaintext appears only in the creation response.
import type { KeyRecord } from './key-store.ts';

export interface PublicKey {
  id: string;
  key_prefix: string;
  name: string;
  intensity: string;
  is_active: boolean;
  created_at: string;
  last_used_at: string | null;
}

export interface CreatedKey extends PublicKey {
  raw_key: string;
}

export interface KeyPresenter {
  present(record: KeyRecord): PublicKey;
  presentCreated(record: KeyRecord, rawKey: string): CreatedKey;
}

export function toPublicKey(record: KeyRecord): PublicKey {
  return {
    id: record.id,
    key_prefix: record.keyPrefix,
    name: record.name,
    intensity: record.intensity,
    is_active: record.isActive,
    created_at: record.createdAt.toISOString(),
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
  };
}

export function createKeyPresenter(): KeyPresenter {
  return {
    present: toPublicKey,
    presentCreated(record, rawKey) {
      return { ...toPublicKey(record), raw_key: rawKey };
    },
  };
}
