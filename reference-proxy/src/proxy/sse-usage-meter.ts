// A pass-through stream for SSE responses: bytes go to the client untouched while token counts are read on the way.
import { Transform, type TransformCallback } from 'node:stream';
import type { ProviderAdapter, TokenCounts } from './providers.ts';

// an SSE line longer than this carries no usage field worth reading; don't buffer it
const MAX_PENDING_LINE_CHARS = 1_000_000;

export class SseUsageMeter extends Transform {
  readonly counts: TokenCounts = { inputTokens: 0, outputTokens: 0 };
  readonly #adapter: ProviderAdapter;
  readonly #decoder = new TextDecoder();
  #pending = '';

  constructor(adapter: ProviderAdapter) {
    super();
    this.#adapter = adapter;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#read(this.#decoder.decode(chunk, { stream: true }));
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#read(`${this.#decoder.decode()}\n`);
    callback();
  }

  #read(text: string): void {
    const lines = (this.#pending + text).split(/\r?\n/);
    this.#pending = lines.pop() ?? '';
    if (this.#pending.length > MAX_PENDING_LINE_CHARS) this.#pending = '';
    for (const line of lines) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice('data:'.length).trim();
      if (data === '' || data === '[DONE]') continue;
      try {
        this.#adapter.usageFromStreamEvent(JSON.parse(data), this.counts);
      } catch {
        // a malformed event is passed on as it came; only its usage is lost
      }
    }
  }
}
