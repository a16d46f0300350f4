// The mock upstreams' control API as test workers see it: recorded requests and revoked keys.
import { z } from 'zod';
import { type Provider, ProviderSchema } from '../environment-info.ts';
import { HarnessError } from '../errors.ts';

/** One request a mock provider received, recorded before it answered (or misbehaved). */
export const RecordedRequestSchema = z.object({
  /** 1, 2, 3 … across all providers, in arrival order */
  seq: z.number().int().positive(),
  provider: ProviderSchema,
  method: z.string(),
  /** path and query exactly as received, e.g. `/v1beta/models/x:generateContent?alt=sse` */
  path: z.string(),
  /** header names lower-cased, repeated headers joined with `, ` */
  headers: z.record(z.string(), z.string()),
  /** every header line as received: [name as sent, value] in order */
  rawHeaders: z.array(z.tuple([z.string(), z.string()])),
  /** the body decoded as UTF-8 ('' when none) */
  body: z.string(),
  /** ISO 8601 */
  receivedAt: z.string(),
  /** ISO 8601: when the mock saw the response's connection close (absent while it is open) */
  closedAt: z.string().optional(),
  /** whether the mock had sent its whole answer when the connection closed (false: the client went away) */
  responseFinished: z.boolean().optional(),
});
export type RecordedRequest = z.infer<typeof RecordedRequestSchema>;

export const RequestsResponseSchema = z.object({
  requests: z.array(RecordedRequestSchema),
  /** the highest seq recorded so far (0 before the first request): a cursor for `since` */
  lastSeq: z.number().int().nonnegative(),
});
export type RequestsResponse = z.infer<typeof RequestsResponseSchema>;

export const RevokeBodySchema = z.strictObject({ key: z.string().min(1) });

export interface RequestsQuery {
  /** only requests with a seq greater than this */
  since?: number;
  provider?: Provider;
}

/**
 * A client for the control API (`EnvironmentInfo.mockControlUrl`):
 * ```ts
 * const mock = new MockControlClient(inject('environment').mockControlUrl);
 * const cursor = await mock.cursor();
 * // … drive the target …
 * const seen = await mock.requests({ since: cursor, provider: 'openai' });
 * await mock.revoke(providerKey); // the mock now answers that key with its provider's 401
 * ```
 */
export class MockControlClient {
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl.replace(/\/$/, '');
  }

  async requests(query: RequestsQuery = {}): Promise<RecordedRequest[]> {
    return (await this.#fetchRequests(query)).requests;
  }

  /** The seq of the latest recorded request: pass it as `since` to see only what comes after. */
  async cursor(): Promise<number> {
    return (await this.#fetchRequests({ since: Number.MAX_SAFE_INTEGER })).lastSeq;
  }

  /** From now on the mock answers `key` with its provider's 401 (no echo), as a provider does after revocation. */
  async revoke(key: string): Promise<void> {
    const response = await fetch(`${this.#baseUrl}/revoked`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(RevokeBodySchema.parse({ key })),
    });
    if (response.status !== 204) throw await controlError('POST /revoked', response);
  }

  async #fetchRequests(query: RequestsQuery): Promise<RequestsResponse> {
    const params = new URLSearchParams();
    if (query.since !== undefined) params.set('since', String(query.since));
    if (query.provider !== undefined) params.set('provider', query.provider);
    const response = await fetch(`${this.#baseUrl}/requests?${params}`);
    if (response.status !== 200) throw await controlError('GET /requests', response);
    const parsed = RequestsResponseSchema.safeParse(await response.json());
    if (!parsed.success) {
      throw new HarnessError(
        'HARNESS_ERR_MOCK_CONTROL_FAILED',
        `GET ${this.#baseUrl}/requests answered an unexpected body:\n${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }
}

async function controlError(what: string, response: Response): Promise<HarnessError> {
  const text = await response.text().catch(() => '');
  return new HarnessError(
    'HARNESS_ERR_MOCK_CONTROL_FAILED',
    `${what} on the mock control API (${response.url}) answered ${response.status}: ${text.slice(0, 500)}. ` +
      'Is the environment still running?',
  );
}
