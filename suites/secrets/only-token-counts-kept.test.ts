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
  rowsHoldingValue,
} from '../../harness/probes/content-columns.ts';
import { precondition, requireStatus } from '../../harness/verdict.ts';

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
      requireStatus(response, 200, `a ${provider} chat request`, response.body);
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
    precondition(!withPrompt, 'the contract schema accepted a usage row with an extra field');
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
    const sent = await sendChat(target, 'openai', {
      apiKey: apiKey.raw_key,
      providerKey: makeCanary('openai'),
      prompt,
    });
    requireStatus(sent, 200, 'the chat request whose usage row the audit looks for', sent.body);
    const usageRow = await pollUntil(
      async () => {
        const response = await target.send('/v1/usage?limit=1', { headers: bearer(tenant.token) });
        return (JSON.parse(response.body) as { usage: Array<Record<string, unknown>> }).usage[0] ?? null;
      },
      (row) => row !== null,
    ).catch(() => null);
    precondition(usageRow !== null, 'the request left no usage row in GET /v1/usage');
    const usageId = String(usageRow.id);
    const client = new pg.Client({ connectionString: env.database.adminUrl });
    await client.connect();
    try {
      const control = await plantContentTable(client);
      try {
        const found = (await rowsHoldingValue(client, control.id, { includeControl: true })).find(
          (r) => r.schema === control.table.schema && r.table === control.table.table,
        );
        const columns = await catalogColumns(client, { includeControl: true });
        const flagged = {
          asUsageTable: found ? extraUsageColumns(columns, found, control.apiRow).map((c) => c.column) : [],
          byName: contentNamedColumns(columns.filter((c) => c.table === control.table.table)).map(
            (c) => c.column,
          ),
        };
        await evidence.positiveControl(
          'a planted usage-like table (other column names) with a prompt, a body and headers is flagged',
          {
            table: `${control.table.schema}.${control.table.table}`,
            foundById: found ? { table: found.table, column: found.column } : null,
            flagged,
          },
        );
        // the harness's own control: a miss means the audit is blind, not that the target is wrong
        precondition(
          found !== undefined &&
            [...flagged.asUsageTable].sort().join() === [...control.planted].sort().join() &&
            [...flagged.byName].sort().join() === [...control.planted].sort().join(),
          `the catalog audit missed its planted control: ${JSON.stringify(flagged)}`,
        );
      } finally {
        await control.drop();
      }
      const stored = await rowsHoldingValue(client, usageId);
      const columns = await catalogColumns(client);
      const extra = stored.flatMap((row) => extraUsageColumns(columns, row, usageRow));
      const named = contentNamedColumns(columns);
      await evidence.record('catalog audit', {
        usageRow: fingerprint(usageId),
        storedIn: stored.map((r) => ({ schema: r.schema, table: r.table, column: r.column })),
        columnsAudited: columns.length,
        contentCapable: columns
          .filter((c) => c.holdsContent)
          .map((c) => `${c.schema}.${c.table}.${c.column} ${c.type}`),
        extraUsageColumns: extra,
        contentNamedColumns: named,
      });
      expect(extra).toEqual([]);
      expect(named).toEqual([]);
      precondition(
        stored.length > 0,
        `no stored table holds the usage row ${fingerprint(usageId)} the API showed, so its columns could not be audited`,
      );
    } finally {
      await client.end();
    }
  });
});
