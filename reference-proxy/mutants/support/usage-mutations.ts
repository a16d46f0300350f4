// Shared by the usage-store mutants: reading an upstream call, a one-time schema change, a tracked extra write.
import type { Database } from '../../src/db/database.ts';
import type { UpstreamCall } from '../../src/proxy/providers.ts';
import type { UsageEntry, UsageStore } from '../../src/usage/usage-store.ts';

/** The provider key an upstream call carries, whatever header its provider uses. */
export function providerKeyOfCall(call: UpstreamCall): string {
  const bearer = call.headers.authorization?.replace(/^Bearer /, '');
  return bearer ?? call.headers['x-api-key'] ?? call.headers['x-goog-api-key'] ?? '';
}

/** The text of the last user message of an OpenAI, Anthropic or Gemini request body. */
export function promptTextOfCall(call: UpstreamCall): string {
  const body = JSON.parse(call.body) as {
    messages?: Array<{ role?: string; content?: unknown }>;
    contents?: Array<{ role?: string; parts?: Array<{ text?: string }> }>;
  };
  const message = body.messages?.filter((m) => m.role === 'user').at(-1);
  if (message !== undefined)
    return typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  const content = body.contents?.filter((c) => c.role === undefined || c.role === 'user').at(-1);
  return content?.parts?.map((part) => part.text ?? '').join('\n') ?? '';
}

/** Runs a DDL statement once per process, as the owner, serialised across replicas by an advisory lock. */
export function schemaChangeOnce(db: Database, sql: string): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= (async () => {
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(4242)');
        await client.query(sql);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        done = undefined;
        throw error;
      } finally {
        client.release();
      }
    })();
    return done;
  };
}

/** A usage store whose `record` is replaced; reads and drain keep working, the new writes are drained too. */
export function withRecord(
  real: UsageStore,
  record: (entry: UsageEntry, call: UpstreamCall) => Promise<void>,
): UsageStore {
  const pending = new Set<Promise<void>>();
  return {
    ...real,
    record(entry, call) {
      const write = record(entry, call);
      const tracked = write.finally(() => pending.delete(tracked));
      pending.add(tracked);
      return write;
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await real.drain();
    },
  };
}
