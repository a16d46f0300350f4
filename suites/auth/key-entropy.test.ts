// AUTH-01: mt_live_ keys carry ≥ 128 bits from a CSPRNG — 10,000 keys minted through the API: format, uniqueness, per-position uniformity, checksum.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { canStartDedicated, startDedicatedEnvironment } from '../../fixtures/dedicated-environment.ts';
import { createTenant, keyName } from '../../fixtures/factories.ts';
import {
  BASE62_ALPHABET,
  CHECKSUM_LENGTH,
  crc32Base62,
  KEY_PREFIX,
  keyFormatOf,
  MIN_SECRET_LENGTH,
  secretOf,
} from '../../fixtures/key-format.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer, TargetClient } from '../../harness/contract/client.ts';
import type { EnvironmentInfo } from '../../harness/environment-info.ts';
import { HarnessError } from '../../harness/errors.ts';
import type { Manifest } from '../../harness/manifest.ts';
import { fingerprint } from '../../harness/probes/canary.ts';
import { chiSquareUniform, empiricalEntropyBits } from '../../harness/stats/chi-square.ts';
import { chiSquareSurvival } from '../../harness/stats/distributions.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

const KEY_COUNT = 10_000;
/** Tenants minting at once (requests in flight). */
const CONCURRENT_TENANTS = 12;
/** The whole check's false-alarm rate: every chi-square test of it together alarms on a sound generator at most this often. */
const FALSE_ALARM_RATE = 0.001;
const MIN_ENTROPY_BITS = 128;
/** Bounded in time: minting stops here, and the check reports error rather than judging fewer keys. */
const MINTING_DEADLINE_MS = 240_000;
/**
 * Refusals the contract allows a key creation (§1: 409 name taken, 403/429 past the plan's key count,
 * and AUTH-12's minting throttle): the worker goes on with a fresh tenant, after Retry-After (capped).
 */
const ALLOWED_MINT_REFUSALS = [403, 409, 429];
const MAX_RETRY_AFTER_MS = 5_000;
/** Fresh tenants the workers may sign up after refusals before the check gives up (and errors). */
const MAX_TENANT_SWITCHES = 200;

interface UniformityReport {
  positions: number;
  perPositionAlpha: number;
  worstPosition: {
    position: number;
    statistic: number;
    pValue: number;
    character: string;
    observed: number;
    expected: number;
  };
  combined: { statistic: number; degreesOfFreedom: number; pValue: number };
  rejectedPositions: number[];
  combinedRejected: boolean;
  entropyUpperBoundBits: number;
}

/**
 * Pearson chi-square per position of the secret against the uniform base62 distribution, and one
 * over all positions together (sum of statistics, sum of degrees of freedom). Bonferroni splits the
 * false-alarm rate over positions + 1 tests. The summed per-position entropy bounds the key's entropy from above.
 */
function uniformityOf(secrets: readonly string[]): UniformityReport {
  const length = secrets[0]?.length ?? 0;
  const perPositionAlpha = FALSE_ALARM_RATE / (length + 1);
  const rejectedPositions: number[] = [];
  let worst: UniformityReport['worstPosition'] | null = null;
  let combinedStatistic = 0;
  let combinedDf = 0;
  let entropy = 0;
  for (let position = 0; position < length; position += 1) {
    const counts = new Array<number>(BASE62_ALPHABET.length).fill(0);
    for (const secret of secrets) {
      const index = BASE62_ALPHABET.indexOf(secret[position] ?? '');
      if (index >= 0) counts[index] = (counts[index] ?? 0) + 1;
    }
    const result = chiSquareUniform(counts);
    combinedStatistic += result.statistic;
    combinedDf += result.degreesOfFreedom;
    entropy += empiricalEntropyBits(counts);
    if (result.pValue < perPositionAlpha) rejectedPositions.push(position);
    if (worst === null || result.pValue < worst.pValue) {
      worst = {
        position,
        statistic: Number(result.statistic.toFixed(2)),
        pValue: result.pValue,
        character: BASE62_ALPHABET[result.worstCategory.category] ?? '?',
        observed: result.worstCategory.observed,
        expected: Number(result.worstCategory.expected.toFixed(1)),
      };
    }
  }
  const combinedP = chiSquareSurvival(combinedStatistic, combinedDf);
  return {
    positions: length,
    perPositionAlpha,
    worstPosition: worst ?? {
      position: -1,
      statistic: 0,
      pValue: 1,
      character: '?',
      observed: 0,
      expected: 0,
    },
    combined: {
      statistic: Number(combinedStatistic.toFixed(1)),
      degreesOfFreedom: combinedDf,
      pValue: combinedP,
    },
    rejectedPositions,
    combinedRejected: combinedP < perPositionAlpha,
    entropyUpperBoundBits: Number(entropy.toFixed(2)),
  };
}

interface MintingPlan {
  /** where the keys are minted, in words, for the evidence */
  where: string;
  clients: TargetClient[];
  /** revoke each key right after it is minted (the plan's active-key limit holds) */
  revoke: boolean;
}

/** What minting gave: the raw_key values as the target sent them (checked by the claim, not here). */
interface Minted {
  keys: string[];
  prefixesOk: boolean;
  /** allowed refusals met (status → count), and the fresh tenants they took */
  refusals: Record<number, number>;
  tenantSwitches: number;
}

/**
 * Mints `count` keys through POST /v1/auth/keys: tenants in parallel, spread over the replicas,
 * each minting one key after the other (and revoking it when the plan limits active keys). A refusal
 * the contract allows moves the worker to a fresh tenant; any other answer is a set-up error.
 */
async function mintKeys(plan: MintingPlan, count: number): Promise<Minted> {
  const deadline = Date.now() + MINTING_DEADLINE_MS;
  const keys: string[] = [];
  const refusals: Record<number, number> = {};
  let tenantSwitches = 0;
  let prefixesOk = true;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENT_TENANTS }, async (_, worker) => {
      const client = plan.clients[worker % plan.clients.length]!;
      let tenant = await createTenant(client);
      while (next < count && Date.now() < deadline && tenantSwitches <= MAX_TENANT_SWITCHES) {
        next += 1;
        // a name of its own: a default name could meet another key's (and names are not under test)
        const response = await client.send('/v1/auth/keys', {
          method: 'POST',
          headers: bearer(tenant.token),
          body: { name: keyName() },
        });
        if (ALLOWED_MINT_REFUSALS.includes(response.status)) {
          next -= 1;
          refusals[response.status] = (refusals[response.status] ?? 0) + 1;
          tenantSwitches += 1;
          const retryAfter = Number(response.headers['retry-after']);
          if (response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) {
            await sleep(Math.min(MAX_RETRY_AFTER_MS, retryAfter * 1_000));
          }
          tenant = await createTenant(client);
          continue;
        }
        requireStatus(response, 201, 'creating a key (POST /v1/auth/keys)', response.body);
        // Only what minting needs is read here; the key's format is the claim's finding, judged later.
        let created: { id?: unknown; raw_key?: unknown; key_prefix?: unknown } = {};
        try {
          created = JSON.parse(response.body) as typeof created;
        } catch {
          precondition(
            false,
            `POST /v1/auth/keys answered 201 with a body that is not JSON: ${response.body.slice(0, 100)}`,
          );
        }
        const rawKey = typeof created.raw_key === 'string' ? created.raw_key : String(created.raw_key);
        keys.push(rawKey);
        if (created.key_prefix !== rawKey.slice(0, KEY_PREFIX.length + 4)) prefixesOk = false;
        if (!plan.revoke) continue;
        const revoked = await client.send(`/v1/auth/keys/${String(created.id)}`, {
          method: 'DELETE',
          headers: bearer(tenant.token),
        });
        requireStatus(revoked, 204, 'revoking a minted key (DELETE /v1/auth/keys/{id})', revoked.body);
      }
    }),
  );
  return { keys, prefixesOk, refusals, tenantSwitches };
}

/**
 * 10,000 keys in the shared environment would leave 10,000 rows and some 40 MB of statement log that
 * every later database sweep of the run reads again. A target the harness starts itself mints them
 * in an environment of its own (the same target, and the same mutant in a mutant run), whose plan
 * holds enough active keys that none has to be revoked; a deployed target mints in the shared one,
 * revoking each key so a free account's two active keys suffice.
 */
async function mintingPlan(
  env: EnvironmentInfo,
  manifest: Manifest,
  onCleanup: (fn: () => Promise<void>) => void,
): Promise<MintingPlan> {
  const dedicated = canStartDedicated(manifest);
  const info = dedicated
    ? await (async () => {
        const started = await startDedicatedEnvironment(env, manifest, {
          label: 'key-entropy',
          limits: { maxActiveKeys: KEY_COUNT },
          replicas: 2,
        });
        onCleanup(() => started.stop());
        return started.getInfo();
      })()
    : env;
  const clients = info.replicas.map((replica) => new TargetClient(replica.httpsUrl, info.caPem));
  onCleanup(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });
  return {
    where: dedicated
      ? `a dedicated environment of the same target (MAX_ACTIVE_KEYS=${KEY_COUNT}, ${info.replicas.length} replicas)`
      : `the shared environment, each key revoked after minting (${info.replicas.length} replicas)`,
    clients,
    revoke: !dedicated,
  };
}

/** Keys a weak generator would make, for the positive controls: hex of a UUID v4, and bytes reduced modulo 62. */
function weakSecrets(kind: 'uuid-hex' | 'modulo-bias', count: number, length: number): string[] {
  return Array.from({ length: count }, () => {
    if (kind === 'uuid-hex') return (randomUUID() + randomUUID()).replace(/-/g, '').slice(0, length);
    return [...randomBytes(length)].map((byte) => BASE62_ALPHABET[byte % 62]).join('');
  });
}

describe(claimTitle('AUTH-01'), () => {
  test(
    'mints 10,000 distinct, well-formed keys whose characters are uniform at every position',
    async ({ env, manifest, evidence, onTestFinished }) => {
      const format = keyFormatOf(manifest);
      const plan = await mintingPlan(env, manifest, onTestFinished);
      const started = performance.now();
      const { keys, prefixesOk, refusals, tenantSwitches } = await mintKeys(plan, KEY_COUNT);
      const mintingMs = Math.round(performance.now() - started);
      if (keys.length < KEY_COUNT) {
        throw new HarnessError(
          'HARNESS_ERR_CHECK_OVER_BUDGET',
          `only ${keys.length} of ${KEY_COUNT} keys were minted in ${mintingMs} ms (deadline ${MINTING_DEADLINE_MS} ms; ` +
            `allowed refusals ${JSON.stringify(refusals)}, ${tenantSwitches} fresh tenants); nothing is judged on fewer`,
        );
      }

      const pattern = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]+$`);
      const malformed = keys.filter((key) => !pattern.test(key));
      const lengths = [...new Set(keys.map((key) => key.length))];
      const secrets = keys.map((key) => secretOf(key, format));
      const badChecksums = format.checksum
        ? keys.filter((key) => key.slice(-CHECKSUM_LENGTH) !== crc32Base62(secretOf(key, format))).length
        : null;
      const distinct = new Set(keys).size;
      const distinctSecrets = new Set(secrets).size;
      const uniformity = uniformityOf(secrets);
      const secretLength = secrets[0]?.length ?? 0;

      // Positive controls: the same statistics, at the same sample size and false-alarm rate, reject
      // keys from two weak generators (so passing them means something at this sample size).
      const weak = {
        'uuid-hex': uniformityOf(weakSecrets('uuid-hex', KEY_COUNT, secretLength)),
        'modulo-bias': uniformityOf(weakSecrets('modulo-bias', KEY_COUNT, secretLength)),
      };
      await evidence.positiveControl('the uniformity tests reject weak generators at this sample size', {
        uuidHex: {
          rejectedPositions: weak['uuid-hex'].rejectedPositions.length,
          entropyUpperBoundBits: weak['uuid-hex'].entropyUpperBoundBits,
        },
        moduloBias: {
          rejectedPositions: weak['modulo-bias'].rejectedPositions.length,
          combinedPValue: weak['modulo-bias'].combined.pValue,
        },
      });
      await evidence.record('10,000 keys minted through POST /v1/auth/keys', {
        keys: keys.length,
        where: plan.where,
        mintingMs,
        concurrentTenants: CONCURRENT_TENANTS,
        allowedRefusals: refusals,
        freshTenantsAfterRefusals: tenantSwitches,
        sample: keys.slice(0, 3).map(fingerprint),
        lengths,
        secretLength,
        nominalBits: Number((secretLength * Math.log2(62)).toFixed(1)),
        malformed: malformed.length,
        keyPrefixIsFirst12Characters: prefixesOk,
        checksum: format.checksum
          ? { format: 'crc32-base62', invalid: badChecksums }
          : 'not used by this target (manifest keyFormat)',
        distinctKeys: distinct,
        distinctSecrets,
        falseAlarmRate: FALSE_ALARM_RATE,
        uniformity,
      });
      expect(weak['uuid-hex'].rejectedPositions.length).toBeGreaterThan(0);
      expect(weak['modulo-bias'].combinedRejected).toBe(true);

      expect(malformed).toEqual([]);
      expect(lengths).toHaveLength(1);
      expect(secretLength).toBeGreaterThanOrEqual(MIN_SECRET_LENGTH);
      expect(prefixesOk).toBe(true);
      if (badChecksums !== null) expect(badChecksums).toBe(0);
      expect(distinct).toBe(KEY_COUNT);
      expect(distinctSecrets).toBe(KEY_COUNT);
      expect(uniformity.rejectedPositions, 'positions whose characters are not uniform').toEqual([]);
      expect(uniformity.combinedRejected, 'all positions together').toBe(false);
      expect(uniformity.entropyUpperBoundBits).toBeGreaterThanOrEqual(MIN_ENTROPY_BITS);
    },
    MINTING_DEADLINE_MS + 60_000,
  );
});
