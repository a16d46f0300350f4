// rowsHoldingValue reads whole rows whatever the target named its columns (a column called t, r or v included).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type StartedEmbeddedDatabase,
  startEmbeddedDatabase,
} from '../../reference-proxy/test/embedded-database.ts';
import { rowsHoldingValue } from './content-columns.ts';

let database: StartedEmbeddedDatabase;
let client: pg.Client;

beforeAll(async () => {
  database = await startEmbeddedDatabase();
  client = new pg.Client({ connectionString: database.adminUrl });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await database?.stop();
});

describe('rowsHoldingValue', () => {
  test('finds the row, whole, in a table with columns named like a row alias', async () => {
    await client.query('CREATE TABLE public.alias_names (id int, t text, r text, v text, body text)');
    await client.query(
      "INSERT INTO public.alias_names VALUES (1, 'tee', 'arr', 'vee', 'needle-7f3a'), (2, 't2', 'r2', 'v2', 'other')",
    );
    const found = await rowsHoldingValue(client, 'needle-7f3a');
    expect(found).toEqual([
      {
        schema: 'public',
        table: 'alias_names',
        column: 'body',
        row: { id: 1, t: 'tee', r: 'arr', v: 'vee', body: 'needle-7f3a' },
      },
    ]);
  });
});
