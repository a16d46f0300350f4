// AUTH-02: keys are hashed with a one-way function before storage — no DB row, DB log, file or log line holds the key or a reversible form of its secret.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { keyFormatOf, secretOf } from '../../fixtures/key-format.ts';
import {
  describeVerifier,
  type StoredColumn,
  storedKeyRows,
  xorRelationOf,
} from '../../fixtures/key-verifier.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import type { CreatedKey } from '../../harness/contract/schemas.ts';
import type { CanaryForm } from '../../harness/probes/canary.ts';
import { fingerprint, sweepBuffer } from '../../harness/probes/canary.ts';
import { recordSweep, requireUsableSweep, type SweepSecret, sweepSinks } from '../../harness/probes/sweep.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

const reversed = (value: string) => [...value].reverse().join('');
const caseSwapped = (value: string) =>
  [...value].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');

/** claims.md: besides base64 and hex (every canary form has those), the reversed and case-swapped secret. */
function reversibleForms(value: string): CanaryForm[] {
  return [
    { form: 'reversed', needle: Buffer.from(reversed(value)) },
    { form: 'case-swapped', needle: Buffer.from(caseSwapped(value)) },
    { form: 'reversed+case-swapped', needle: Buffer.from(caseSwapped(reversed(value))) },
  ];
}

/** The key object's own values: a stored column equal to one of them is not a verifier. */
function publicValuesOf(key: CreatedKey, userId: string): Set<string> {
  return new Set(
    [key.id, key.key_prefix, key.name, key.intensity, userId].filter(
      (v): v is string => typeof v === 'string',
    ),
  );
}

/** Columns of the key's row that can hold a verifier: not a public value, at least 16 bytes. */
function verifierCandidates(columns: readonly StoredColumn[], publicValues: Set<string>): StoredColumn[] {
  return columns.filter(
    (c) =>
      c.bytes >= 16 && !publicValues.has(c.value.toString('utf8')) && !/timestamp|date|time/.test(c.type),
  );
}

describe(claimTitle('AUTH-02'), () => {
  test("stores no plaintext or reversible form of a key's secret in any DB row, DB log, file or log line", async ({
    env,
    target,
    tenant,
    manifest,
    providerKey,
    evidence,
  }) => {
    const format = keyFormatOf(manifest);
    const keys = [
      await target.createKey(tenant.token, {}),
      await target.createKey(tenant.token, {}),
    ] as const;
    // Each key authenticates once, so every path that handles it (lookup, last use, logging) has run.
    for (const key of keys) {
      const served = await sendChat(target, 'openai', { apiKey: key.raw_key, providerKey });
      requireStatus(served, 200, 'one proxied request with each new key', served.body);
    }
    const secrets: SweepSecret[] = keys.flatMap((key, i) => [
      { value: key.raw_key, label: `key ${i + 1}` },
      { value: secretOf(key.raw_key, format), label: `secret of key ${i + 1}` },
    ]);
    // Positive control for the extra forms (the sweep's own controls cover raw, hex, base64 and the rest):
    // a reversed or case-swapped secret embedded in other bytes is found by the needles the sweep uses.
    const probe = secretOf(keys[0].raw_key, format);
    const extraMissed = [reversed(probe), caseSwapped(probe), caseSwapped(reversed(probe))].filter(
      (embedded) => sweepBuffer(Buffer.from(`{"v":"${embedded}"}`), reversibleForms(probe)).length === 0,
    );
    await evidence.positiveControl('reversed and case-swapped secrets are found by the extra forms', {
      missed: extraMissed.length,
    });
    precondition(
      extraMissed.length === 0,
      `the reversed/case-swapped needles missed ${extraMissed.length} planted form(s)`,
      'HARNESS_ERR_PROBE_BLIND',
    );
    const report = await sweepSinks(env, secrets, { extraForms: reversibleForms });
    await recordSweep(evidence, 'two keys, their secrets and reversible forms', report, {
      keys: keys.map((k) => fingerprint(k.raw_key)),
      extraForms: ['reversed', 'case-swapped', 'reversed+case-swapped'],
    });
    expect(report.findings).toEqual([]);
    // a clean result counts only when every sink was read and each showed the target's own writing
    requireUsableSweep(report);
    precondition(
      report.controlsMissed.length === 0,
      `the sweep missed its own planted controls in ${JSON.stringify(report.controlsMissed).slice(0, 300)}`,
      'HARNESS_ERR_PROBE_BLIND',
    );
    if (report.notAssessed.length > 0) {
      return evidence.notAssessed(report.notAssessed.map((n) => `${n.sink}: ${n.reason}`).join('; '));
    }
  });

  test('keeps a verifier that is not a fixed-keystream encryption of the key, and records its format', async ({
    env,
    target,
    tenant,
    manifest,
    evidence,
    onTestFinished,
  }) => {
    if (env.database.adminUrl === null) {
      return evidence.notAssessed(
        'no admin connection to the target database (external target without adminUrl)',
      );
    }
    const format = keyFormatOf(manifest);
    const keys = [
      await target.createKey(tenant.token, {}),
      await target.createKey(tenant.token, {}),
    ] as const;
    const client = new pg.Client({ connectionString: env.database.adminUrl });
    await client.connect();
    onTestFinished(() => client.end());
    const rows = await Promise.all(keys.map((key) => storedKeyRows(client, key.id, key.key_prefix)));
    const publicValues = keys.map((key) => publicValuesOf(key, tenant.userId));
    const candidates = rows.map((found, i) =>
      found.flatMap((row) => verifierCandidates(row.columns, publicValues[i]!)),
    );

    const plains = (transform: (s: string) => string, of: (key: CreatedKey) => string) =>
      [transform(of(keys[0])), transform(of(keys[1]))] as [string, string];
    const plainForms = {
      'raw key': plains(
        (s) => s,
        (k) => k.raw_key,
      ),
      secret: plains(
        (s) => s,
        (k) => secretOf(k.raw_key, format),
      ),
      'reversed secret': plains(reversed, (k) => secretOf(k.raw_key, format)),
      'case-swapped secret': plains(caseSwapped, (k) => secretOf(k.raw_key, format)),
    };
    const relations = candidates[0]!.flatMap((first) => {
      const second = candidates[1]!.find((c) => c.table === first.table && c.column === first.column);
      if (second === undefined) return [];
      const relation = xorRelationOf([first.value, second.value], plainForms);
      return relation === null ? [] : [{ table: first.table, column: first.column, xorOf: relation }];
    });

    // Positive control: the relation test spots the secrets XORed with one random keystream.
    const keystream = randomBytes(64);
    const xorWith = (value: string) =>
      Buffer.from([...Buffer.from(value)].map((b, i) => b ^ (keystream[i] ?? 0)));
    const planted = xorRelationOf([xorWith(plainForms.secret[0]), xorWith(plainForms.secret[1])], plainForms);
    await evidence.positiveControl('the relation test finds secrets encrypted under one fixed keystream', {
      found: planted,
    });
    await evidence.record(
      "the key's stored verifier (read generically from the row holding its id and key_prefix)",
      {
        rows: rows.map((found) => found.map((row) => row.table)),
        verifier: candidates[0]!.map((c) => ({
          table: c.table,
          column: c.column,
          type: c.type,
          format: describeVerifier(c),
        })),
        fixedKeystreamRelations: relations,
      },
    );
    precondition(
      planted === 'secret',
      'the relation test missed a planted fixed-keystream encryption',
      'HARNESS_ERR_PROBE_BLIND',
    );
    expect(relations).toEqual([]);
    precondition(
      rows[0]!.length > 0,
      "no table row holds the key's id and its key_prefix (whole or its 4 characters), so its verifier could not be read",
    );
  });
});
