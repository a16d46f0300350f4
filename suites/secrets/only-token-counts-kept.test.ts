// SECRETS-08: only token counts are kept per request — usage rows have exactly the contract's fields, and no column of the catalog can receive content.

import pg from 'pg';
import { makePrompt } from '../../fixtures/factories.ts';
import { mockCompletionText, mockUsage } from '../../fixtures/mock-responses.ts';
import { pollUntil } from '../../fixtures/poll.ts';
import { sendChat } from '../../fixtures/proxy-requests.ts';
import { describe, expect, test } from '../../fixtures/test.ts';
import { claimTitle } from '../../harness/claims.ts';
import { bearer } from '../../harness/contract/client.ts';
import { UsageRowSchema } from '../../harness/contract/schemas.ts';
import type { Provider } from '../../harness/environment-info.ts';
import { fingerprint, makeCanary } from '../../harness/probes/canary.ts';
import {
  catalogColumns,
  contentNamedColumns,
  extraUsageColumns,
  plantContentTable,
  tableHoldingId,
} from '../../harness/probes/content-columns.ts';

/** The contract's usage row, field for field (contract §1): nothing else may be exposed or stored as content. */
const CONTRACT_USAGE_FIELDS = Object.keys(UsageRowSchema.shape);
const PROVIDERS: readonly Provider[] = ['openai', 'anthropic', 'google'];

describe(claimTitle('SECRETS-08'), () => {
  test('shows each request as a row of exactly the contract’s fields, with the provider’s token counts', async ({
    target,
    tenant,
    apiKey,
    evidence,
  }) => {
    const sent = [];
    for (const provider of PROVIDERS) {
      const prompt = makePrompt();
      const response = await sendChat(target, provider, {
        apiKey: apiKey.raw_key,
        providerKey: makeCanary(provider),
        prompt,
      });
      expect(response.status).toBe(200);
      sent.push({ provider, ...mockUsage(prompt, mockCompletionText(provider, prompt)) });
    }
    const rows = await pollUntil(
      async () => {
        const response = await target.send('/v1/usage?limit=500', { headers: bearer(tenant.token) });
        return (JSON.parse(response.body) as { usage: Array<Record<string, unknown>> }).usage;
      },
      (usage) => usage.length >= PROVIDERS.length,
    );
    // positive control: the strict schema refuses a row that carries anything more
    const withPrompt = UsageRowSchema.safeParse({ ...rows[0], prompt: 'planted' }).success;
    await evidence.positiveControl('a usage row with an extra field is refused by the contract schema', {
      parsedWithExtraField: withPrompt,
    });
    expect(withPrompt).toBe(false);
    const byId = [];
    for (const row of rows) {
      const single = await target.send(`/v1/usage/${String(row.id)}`, { headers: bearer(tenant.token) });
      byId.push({ status: single.status, fields: Object.keys(JSON.parse(single.body) as object).sort() });
    }
    await evidence.record('usage rows as the API shows them', {
      contractFields: CONTRACT_USAGE_FIELDS,
      list: rows.map((row) => ({
        fields: Object.keys(row).sort(),
        provider: row.provider,
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
      })),
      byId,
      expectedCounts: sent,
    });
    expect(rows).toHaveLength(PROVIDERS.length);
    for (const row of rows) expect(UsageRowSchema.safeParse(row).error?.issues ?? []).toEqual([]);
    for (const entry of byId)
      expect(entry).toEqual({ status: 200, fields: [...CONTRACT_USAGE_FIELDS].sort() });
    expect(
      rows
        .map((r) => ({ provider: r.provider, inputTokens: r.input_tokens, outputTokens: r.output_tokens }))
        .sort((a, b) => String(a.provider).localeCompare(String(b.provider))),
    ).toEqual([...sent].sort((a, b) => a.provider.localeCompare(b.provider)));
  });

  test('has no column that can receive request or response content', async ({
    env,
    target,
    tenant,
    apiKey,
    evidence,
  }) => {
    if (env.database.adminUrl === null)
      return evidence.notAssessed('the harness has no admin connection to the target database');
    // a request first, so whatever the target writes per request exists (a lazily added column too)
    const prompt = makePrompt();
    expect(
      (
        await sendChat(target, 'openai', {
          apiKey: apiKey.raw_key,
          providerKey: makeCanary('openai'),
          prompt,
        })
      ).status,
    ).toBe(200);
    const usageId = await pollUntil(
      async () => {
        const response = await target.send('/v1/usage?limit=1', { headers: bearer(tenant.token) });
        return (JSON.parse(response.body) as { usage: Array<{ id: string }> }).usage[0]?.id ?? null;
      },
      (id) => id !== null,
    );
    expect(usageId).not.toBeNull();
    const client = new pg.Client({ connectionString: env.database.adminUrl });
    await client.connect();
    try {
      const control = await plantContentTable(client);
      try {
        const found = await tableHoldingId(client, control.id, { includeControl: true });
        const columns = await catalogColumns(client, { includeControl: true });
        const flagged = {
          asUsageTable: found
            ? extraUsageColumns(columns, found, CONTRACT_USAGE_FIELDS).map((c) => c.column)
            : [],
          byName: contentNamedColumns(columns.filter((c) => c.table === control.table.table)).map(
            (c) => c.column,
          ),
        };
        await evidence.positiveControl(
          'a planted usage-like table with a prompt, a body and headers is flagged',
          {
            table: `${control.table.schema}.${control.table.table}`,
            foundById: found,
            flagged,
          },
        );
        expect(found).toEqual(control.table);
        expect(flagged.asUsageTable.sort()).toEqual([...control.planted].sort());
        expect(flagged.byName.sort()).toEqual([...control.planted].sort());
      } finally {
        await control.drop();
      }
      const usageTable = await tableHoldingId(client, usageId as string);
      const columns = await catalogColumns(client);
      const extra = usageTable ? extraUsageColumns(columns, usageTable, CONTRACT_USAGE_FIELDS) : [];
      const named = contentNamedColumns(columns);
      await evidence.record('catalog audit', {
        usageRow: fingerprint(usageId as string),
        usageTable,
        columnsAudited: columns.length,
        contentCapable: columns
          .filter((c) => c.holdsContent)
          .map((c) => `${c.schema}.${c.table}.${c.column} ${c.type}`),
        extraUsageColumns: extra,
        contentNamedColumns: named,
      });
      expect(usageTable).not.toBeNull();
      expect(extra).toEqual([]);
      expect(named).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
