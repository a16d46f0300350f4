// Usage rows (token counts and status only) and the analytics read from them, all under tenant RLS.
import { type Database, isUuid } from '../db/database.ts';
import type { UpstreamCall } from '../proxy/providers.ts';

export type Provider = 'openai' | 'anthropic' | 'google';

export interface UsageEntry {
  userId: string;
  keyId: string;
  provider: Provider;
  model: string;
  inputTokens: number;
  outputTokens: number;
  statusCode: number;
}

/** The contract's usage row, and nothing else: no prompt, no response, no header, no user_id. */
export interface UsageRow {
  id: string;
  key_id: string;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  status_code: number;
  created_at: Date;
}

export interface UsageSummary {
  total_requests: number;
  total_input_tokens: number;
  total_output_tokens: number;
  period_start: Date;
  period_end: Date;
}

export interface KeyUsage {
  key_id: string;
  key_prefix: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
}

export interface UsageStore {
  /**
   * Starts writing one row and resolves at once (the write is off the response path); reads and
   * drain() wait for it. `call` is the
   * upstream request the row meters (for stores that estimate tokens from it): the row keeps none of it.
   */
  record(entry: UsageEntry, call: UpstreamCall): Promise<void>;
  list(userId: string, limit: number): Promise<UsageRow[]>;
  get(userId: string, usageId: string): Promise<UsageRow | null>;
  summary(userId: string, start: Date, end: Date): Promise<UsageSummary>;
  byKey(userId: string, start: Date, end: Date): Promise<KeyUsage[]>;
  /** Resolves once every write started so far has finished. */
  drain(): Promise<void>;
}

const USAGE_COLUMNS = 'id, key_id, provider, model, input_tokens, output_tokens, status_code, created_at';
const MAX_MODEL_LENGTH = 128;
const MAX_TOKENS = 2_147_483_647;
/** rows per INSERT at most */
const MAX_BATCH_ROWS = 200;

const clampTokens = (value: number) => Math.min(MAX_TOKENS, Math.max(0, Math.trunc(value) || 0));

/** `onWriteError` hears of a usage row that could not be written (the caller no longer waits for it). */
export function createUsageStore(
  db: Database,
  onWriteError: (error: unknown) => void = () => {},
): UsageStore {
  /** Rows of one tenant waiting for the next write; `written` settles when they are in (or failed). */
  interface Batch {
    entries: UsageEntry[];
    written: Promise<void>;
    settle: () => void;
  }
  /** per tenant, the batches not yet handed to the writer, oldest first */
  const queued = new Map<string, Batch[]>();
  const writing = new Set<string>();
  const unsettled = new Set<Promise<void>>();

  async function insertBatch(userId: string, entries: UsageEntry[]): Promise<void> {
    await db.asTenant(userId, (client) =>
      client.query(
        `INSERT INTO public.usage (user_id, key_id, provider, model, input_tokens, output_tokens, status_code)
         SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[])`,
        [
          userId,
          entries.map((entry) => entry.keyId),
          entries.map((entry) => entry.provider),
          entries.map((entry) => entry.model.slice(0, MAX_MODEL_LENGTH)),
          entries.map((entry) => clampTokens(entry.inputTokens)),
          entries.map((entry) => clampTokens(entry.outputTokens)),
          entries.map((entry) => entry.statusCode),
        ],
      ),
    );
  }

  /** One writer per tenant: while a batch is written, the next rows gather into the following one. */
  async function writeBatches(userId: string): Promise<void> {
    for (;;) {
      const batches = queued.get(userId);
      const batch = batches?.shift();
      if (batches === undefined || batch === undefined) {
        queued.delete(userId);
        writing.delete(userId);
        return;
      }
      try {
        await insertBatch(userId, batch.entries);
      } catch (error) {
        // one bad row (its key deleted meanwhile, say) must not take the others with it
        if (batch.entries.length === 1) onWriteError(error);
        else {
          for (const entry of batch.entries) await insertBatch(userId, [entry]).catch(onWriteError);
        }
      } finally {
        unsettled.delete(batch.written);
        batch.settle();
      }
    }
  }

  /** The rows recorded so far, written (not those recorded while waiting: a read must not starve). */
  const settled = async () => {
    if (unsettled.size > 0) await Promise.all([...unsettled]);
  };

  return {
    // Off the response path: the row joins its tenant's next batch and the caller does not wait.
    // Nothing is lost: every read below waits for the rows recorded before it (read-your-writes in
    // this process), a draining server waits for them all, and a failed write is logged.
    record(entry) {
      let batches = queued.get(entry.userId);
      if (batches === undefined) {
        batches = [];
        queued.set(entry.userId, batches);
      }
      let batch = batches[batches.length - 1];
      if (batch === undefined || batch.entries.length >= MAX_BATCH_ROWS) {
        let settle = () => {};
        const written = new Promise<void>((resolve) => {
          settle = resolve;
        });
        batch = { entries: [], written, settle };
        unsettled.add(written);
        batches.push(batch);
      }
      batch.entries.push(entry);
      if (!writing.has(entry.userId)) {
        writing.add(entry.userId);
        void writeBatches(entry.userId);
      }
      return Promise.resolve();
    },
    async list(userId, limit) {
      await settled();
      return db.asTenant(userId, async (client) => {
        const result = await client.query<UsageRow>(
          `SELECT ${USAGE_COLUMNS} FROM public.usage ORDER BY created_at DESC, id LIMIT $1`,
          [limit],
        );
        return result.rows;
      });
    },
    async get(userId, usageId) {
      if (!isUuid(usageId)) return null;
      await settled();
      return db.asTenant(userId, async (client) => {
        const result = await client.query<UsageRow>(
          `SELECT ${USAGE_COLUMNS} FROM public.usage WHERE id = $1`,
          [usageId],
        );
        return result.rows[0] ?? null;
      });
    },
    async summary(userId, start, end) {
      await settled();
      return db.asTenant(userId, async (client) => {
        const result = await client.query<{ requests: string; input: string; output: string }>(
          `SELECT count(*) AS requests, coalesce(sum(input_tokens), 0) AS input,
                  coalesce(sum(output_tokens), 0) AS output
             FROM public.usage WHERE created_at >= $1 AND created_at <= $2`,
          [start, end],
        );
        const row = result.rows[0];
        return {
          total_requests: Number(row?.requests ?? 0),
          total_input_tokens: Number(row?.input ?? 0),
          total_output_tokens: Number(row?.output ?? 0),
          period_start: start,
          period_end: end,
        };
      });
    },
    async byKey(userId, start, end) {
      await settled();
      return db.asTenant(userId, async (client) => {
        const result = await client.query<{
          key_id: string;
          key_prefix: string;
          requests: string;
          input: string;
          output: string;
        }>(
          `SELECT k.id AS key_id, k.key_prefix, count(u.id) AS requests,
                  coalesce(sum(u.input_tokens), 0) AS input, coalesce(sum(u.output_tokens), 0) AS output
             FROM public.api_keys k
             LEFT JOIN public.usage u ON u.key_id = k.id AND u.created_at >= $1 AND u.created_at <= $2
            GROUP BY k.id, k.key_prefix, k.created_at
            ORDER BY k.created_at DESC, k.id`,
          [start, end],
        );
        return result.rows.map((row) => ({
          key_id: row.key_id,
          key_prefix: row.key_prefix,
          requests: Number(row.requests),
          input_tokens: Number(row.input),
          output_tokens: Number(row.output),
        }));
      });
    },
    async drain() {
      while (unsettled.size > 0) await Promise.all([...unsettled]);
    },
  };
}
