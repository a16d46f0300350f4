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
   * Writes one row; the promise is tracked so a draining server can wait for it. `call` is the
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

const clampTokens = (value: number) => Math.min(MAX_TOKENS, Math.max(0, Math.trunc(value) || 0));

export function createUsageStore(db: Database): UsageStore {
  const pending = new Set<Promise<void>>();

  async function insert(entry: UsageEntry): Promise<void> {
    await db.asTenant(entry.userId, (client) =>
      client.query(
        `INSERT INTO public.usage (user_id, key_id, provider, model, input_tokens, output_tokens, status_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          entry.userId,
          entry.keyId,
          entry.provider,
          entry.model.slice(0, MAX_MODEL_LENGTH),
          clampTokens(entry.inputTokens),
          clampTokens(entry.outputTokens),
          entry.statusCode,
        ],
      ),
    );
  }

  return {
    record(entry) {
      const write = insert(entry);
      const tracked = write.finally(() => pending.delete(tracked));
      pending.add(tracked);
      return write;
    },
    list(userId, limit) {
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
      return db.asTenant(userId, async (client) => {
        const result = await client.query<UsageRow>(
          `SELECT ${USAGE_COLUMNS} FROM public.usage WHERE id = $1`,
          [usageId],
        );
        return result.rows[0] ?? null;
      });
    },
    summary(userId, start, end) {
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
    byKey(userId, start, end) {
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
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
