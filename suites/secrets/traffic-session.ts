// The accounts and keys the leak traffic runs with: a client of its own, and a key per path, revoked after it.
import { clientFromAddress, freshLoopbackAddress } from '../../fixtures/client-addresses.ts';
import { createTenant, keyName } from '../../fixtures/factories.ts';
import { bearer, type TargetClient } from '../../harness/contract/client.ts';
import type { CreatedKey } from '../../harness/contract/schemas.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { loadManifest } from '../../harness/manifest.ts';

/** Accounts a whole-traffic run opens: enough key slots for the paths to run side by side. */
export const TRAFFIC_TENANTS = 6;

export interface TrafficSession {
  env: EnvironmentInfo;
  /** a client on its own loopback address, so no other suite's failed logins throttle it */
  client: TargetClient;
  /** the plan's request body limit the manifest states (`limits.maxRequestBodyBytes`), null when unstated */
  maxRequestBodyBytes: number | null;
  /** the first tenant's session token (usage and analytics of its keys) */
  token: string;
  /** a fresh key for one path (its own rate-limit budget); waits for a free slot of the plan's key count */
  freshKey(): Promise<CreatedKey>;
  revoke(key: CreatedKey): Promise<void>;
  close(): Promise<void>;
}

/** The active keys a fresh account holds: the manifest's `limits.maxActiveKeys`, else MAX_ACTIVE_KEYS, else the contract's 2. */
const activeKeysPerTenant = (env: EnvironmentInfo, stated: number | undefined): number =>
  stated ?? Number(env.targetEnv.MAX_ACTIVE_KEYS ?? 2);

/**
 * `tenants` accounts give `tenants × active keys` paths that can run at once; each key is revoked
 * after its path, which frees its slot.
 */
export async function openTrafficSession(env: EnvironmentInfo, tenants = 1): Promise<TrafficSession> {
  const manifest = await loadManifest(env.manifestPath);
  const client = clientFromAddress(env, freshLoopbackAddress());
  const accounts = await Promise.all(Array.from({ length: tenants }, () => createTenant(client)));
  const free = accounts.flatMap((account) =>
    Array.from({ length: activeKeysPerTenant(env, manifest.limits?.maxActiveKeys) }, () => account.token),
  );
  const waiting: Array<(token: string) => void> = [];
  const ownerOf = new Map<string, string>();
  const release = (token: string) => {
    const next = waiting.shift();
    if (next) next(token);
    else free.push(token);
  };
  return {
    env,
    client,
    maxRequestBodyBytes: manifest.limits?.maxRequestBodyBytes ?? null,
    token: accounts[0]?.token ?? '',
    async freshKey() {
      const token = free.pop() ?? (await new Promise<string>((resolve) => waiting.push(resolve)));
      try {
        const key = await client.createKey(token, { name: keyName() });
        ownerOf.set(key.id, token);
        return key;
      } catch (error) {
        release(token);
        throw error;
      }
    },
    async revoke(key) {
      const token = ownerOf.get(key.id);
      if (token === undefined) return;
      ownerOf.delete(key.id);
      await client.send(`/v1/auth/keys/${key.id}`, { method: 'DELETE', headers: bearer(token) });
      release(token);
    },
    close: () => client.close(),
  };
}
