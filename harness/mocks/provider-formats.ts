// The wire formats of OpenAI, Anthropic and Google (Gemini) as the mock upstreams speak them.
import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from '../environment-info.ts';

export interface MockRoute {
  model: string;
  stream: boolean;
  /** OpenAI: stream_options.include_usage; Gemini: alt=sse (else a JSON array stream) */
  includeUsage: boolean;
  sse: boolean;
}

export type MockErrorKind =
  | 'missing-key'
  | 'echo-key'
  | 'revoked-key'
  | 'server-error'
  | 'not-found'
  | 'bad-request';

export interface CompletionParts {
  id: string;
  model: string;
  text: string;
  inputTokens: number;
  outputTokens: number;
}

export interface ProviderWireFormat {
  readonly provider: Provider;
  /** The endpoint a request hits, or null when the provider has no such endpoint. */
  routeOf(method: string, url: URL, body: unknown): MockRoute | null;
  /** The provider key the request carries in the provider's own header, or null. */
  keyOf(headers: IncomingHttpHeaders): string | null;
  completionBody(parts: CompletionParts): unknown;
  /** Complete SSE frames; their text deltas are `pieces` in order. */
  streamFrames(parts: CompletionParts, pieces: readonly string[], route: MockRoute): string[];
  errorOf(kind: MockErrorKind, detail: string): { status: number; body: unknown };
}

const object = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const header = (headers: IncomingHttpHeaders, name: string): string | null => {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
};
const statusOf = (kind: MockErrorKind): number =>
  ({
    'missing-key': 401,
    'echo-key': 401,
    'revoked-key': 401,
    'server-error': 500,
    'not-found': 404,
    'bad-request': 400,
  })[kind];
const nowS = (): number => Math.floor(Date.now() / 1_000);

const openai: ProviderWireFormat = {
  provider: 'openai',
  routeOf(method, url, body) {
    if (method !== 'POST' || url.pathname !== '/v1/chat/completions') return null;
    const b = object(body);
    const includeUsage = object(b.stream_options).include_usage === true;
    return { model: String(b.model ?? ''), stream: b.stream === true, includeUsage, sse: true };
  },
  keyOf: (headers) => /^Bearer (.+)$/.exec(header(headers, 'authorization') ?? '')?.[1] ?? null,
  completionBody: (p) => ({
    id: p.id,
    object: 'chat.completion',
    created: nowS(),
    model: p.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: p.text, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: p.inputTokens,
      completion_tokens: p.outputTokens,
      total_tokens: p.inputTokens + p.outputTokens,
    },
    system_fingerprint: 'fp_mock',
  }),
  streamFrames(p, pieces, route) {
    const created = nowS();
    const chunk = (choices: unknown[], usage?: unknown) => {
      const extra = route.includeUsage ? { usage: usage ?? null } : {};
      const body = {
        id: p.id,
        object: 'chat.completion.chunk',
        created,
        model: p.model,
        system_fingerprint: 'fp_mock',
        choices,
        ...extra,
      };
      return `data: ${JSON.stringify(body)}\n\n`;
    };
    const delta = (d: unknown, finish: string | null) => ({
      index: 0,
      delta: d,
      logprobs: null,
      finish_reason: finish,
    });
    const usage = {
      prompt_tokens: p.inputTokens,
      completion_tokens: p.outputTokens,
      total_tokens: p.inputTokens + p.outputTokens,
    };
    return [
      chunk([delta({ role: 'assistant', content: '', refusal: null }, null)]),
      ...pieces.map((piece) => chunk([delta({ content: piece }, null)])),
      chunk([delta({}, 'stop')]),
      ...(route.includeUsage ? [chunk([], usage)] : []),
      'data: [DONE]\n\n',
    ];
  },
  errorOf(kind, detail) {
    const message = {
      'missing-key':
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      'echo-key': `Incorrect API key provided: ${detail}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'revoked-key': 'The API key provided has been revoked.',
      'server-error': 'The server had an error while processing your request. Sorry about that!',
      'not-found': `Invalid URL (${detail})`,
      'bad-request': detail,
    }[kind];
    const type = kind === 'server-error' ? 'server_error' : 'invalid_request_error';
    const code = kind === 'echo-key' || kind === 'revoked-key' ? 'invalid_api_key' : null;
    return { status: statusOf(kind), body: { error: { message, type, param: null, code } } };
  },
};

const anthropic: ProviderWireFormat = {
  provider: 'anthropic',
  routeOf(method, url, body) {
    if (method !== 'POST' || url.pathname !== '/v1/messages') return null;
    const b = object(body);
    return { model: String(b.model ?? ''), stream: b.stream === true, includeUsage: true, sse: true };
  },
  keyOf: (headers) => header(headers, 'x-api-key'),
  completionBody: (p) => ({
    id: p.id,
    type: 'message',
    role: 'assistant',
    model: p.model,
    content: [{ type: 'text', text: p.text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: p.inputTokens, output_tokens: p.outputTokens },
  }),
  streamFrames(p, pieces) {
    const event = (type: string, data: Record<string, unknown>) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const message = {
      id: p.id,
      type: 'message',
      role: 'assistant',
      model: p.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
    };
    return [
      event('message_start', {
        message: { ...message, usage: { input_tokens: p.inputTokens, output_tokens: 1 } },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
      ...pieces.map((text) =>
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
      ),
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: p.outputTokens },
      }),
      event('message_stop', {}),
    ];
  },
  errorOf(kind, detail) {
    const [type, message] = {
      'missing-key': ['authentication_error', 'x-api-key header is required'],
      'echo-key': ['authentication_error', `invalid x-api-key: ${detail}`],
      'revoked-key': ['authentication_error', 'invalid x-api-key'],
      'server-error': ['api_error', 'Internal server error'],
      'not-found': ['not_found_error', `Not found: ${detail}`],
      'bad-request': ['invalid_request_error', detail],
    }[kind];
    return { status: statusOf(kind), body: { type: 'error', error: { type, message } } };
  },
};

const GEMINI_PATH = /^\/v1beta\/models\/([^/]+):(generateContent|streamGenerateContent)$/;

const google: ProviderWireFormat = {
  provider: 'google',
  routeOf(method, url) {
    const match = GEMINI_PATH.exec(url.pathname);
    if (method !== 'POST' || match === null) return null;
    const stream = match[2] === 'streamGenerateContent';
    return {
      model: match[1] ?? '',
      stream,
      includeUsage: true,
      sse: stream && url.searchParams.get('alt') === 'sse',
    };
  },
  keyOf: (headers) => header(headers, 'x-goog-api-key'),
  completionBody: (p) => ({
    candidates: [{ content: { parts: [{ text: p.text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: p.inputTokens,
      candidatesTokenCount: p.outputTokens,
      totalTokenCount: p.inputTokens + p.outputTokens,
    },
    modelVersion: p.model,
    responseId: p.id,
  }),
  streamFrames(p, pieces, route) {
    const chunks = pieces.map((text, i) => {
      const last = i === pieces.length - 1;
      const candidate = {
        content: { parts: [{ text }], role: 'model' },
        index: 0,
        ...(last ? { finishReason: 'STOP' } : {}),
      };
      const usageMetadata = {
        promptTokenCount: p.inputTokens,
        candidatesTokenCount: p.outputTokens,
        totalTokenCount: p.inputTokens + p.outputTokens,
      };
      return {
        candidates: [candidate],
        ...(last ? { usageMetadata } : {}),
        modelVersion: p.model,
        responseId: p.id,
      };
    });
    // Gemini separates SSE events with CRLF pairs; without alt=sse it streams one JSON array.
    if (route.sse) return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`);
    return chunks.map(
      (chunk, i) => `${i === 0 ? '[' : ',\r\n'}${JSON.stringify(chunk)}${i === chunks.length - 1 ? ']' : ''}`,
    );
  },
  errorOf(kind, detail) {
    const [status, message] = {
      'missing-key': [
        'UNAUTHENTICATED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      ],
      'echo-key': ['UNAUTHENTICATED', `API key not valid: ${detail}. Please pass a valid API key.`],
      'revoked-key': ['UNAUTHENTICATED', 'API key expired. Please renew the API key.'],
      'server-error': ['INTERNAL', 'Internal error encountered.'],
      'not-found': ['NOT_FOUND', `Requested entity was not found: ${detail}`],
      'bad-request': ['INVALID_ARGUMENT', detail],
    }[kind];
    return { status: statusOf(kind), body: { error: { code: statusOf(kind), message, status } } };
  },
};

export const PROVIDER_FORMATS: Readonly<Record<Provider, ProviderWireFormat>> = { openai, anthropic, google };
