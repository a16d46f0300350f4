// The three provider formats: where a request goes, how the key travels, how the prompt is injected, where usage is.
import { ApiError, badRequest } from '../errors.ts';
import type { Provider } from '../usage/usage-store.ts';

export type JsonObject = Record<string, unknown>;

/** Everything about one outgoing call. Built per request and dropped with it: it holds the provider key. */
export interface UpstreamCall {
  provider: Provider;
  path: string;
  headers: Record<string, string>;
  body: string;
  model: string;
}

export interface ClientRequestInfo {
  body: JsonObject;
  providerKey: string;
  prompt: string | null;
  headers: Record<string, string | string[] | undefined>;
}

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
}

export interface ProviderAdapter {
  provider: Provider;
  buildCall(request: ClientRequestInfo): UpstreamCall;
  /** Token counts from a complete JSON response. */
  usageFromResponse(body: unknown): TokenCounts;
  /** Folds one parsed SSE data payload into the running counts. */
  usageFromStreamEvent(event: unknown, counts: TokenCounts): void;
}

export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';
// A plain model id: no `/`, `?`, `#`, `@`, `%`, `:` or whitespace can reach the upstream path.
const GEMINI_MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether a Gemini `model` may become a path segment of the upstream URL. */
export function isPlainGeminiModel(model: string): boolean {
  return GEMINI_MODEL_PATTERN.test(model) && !model.includes('..');
}
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const modelOf = (body: JsonObject): string => (typeof body.model === 'string' ? body.model : 'unknown');

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export const openai: ProviderAdapter = {
  provider: 'openai',
  buildCall({ body, providerKey, prompt }) {
    const out: JsonObject = { ...body };
    if (prompt !== null && Array.isArray(body.messages)) {
      out.messages = [{ role: 'system', content: prompt }, ...body.messages];
    }
    // without include_usage a stream carries no token counts at all
    if (body.stream === true) {
      out.stream_options = {
        ...(isObject(body.stream_options) ? body.stream_options : {}),
        include_usage: true,
      };
    }
    return {
      provider: 'openai',
      path: '/v1/chat/completions',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${providerKey}` },
      body: JSON.stringify(out),
      model: modelOf(body),
    };
  },
  usageFromResponse(body) {
    const usage = isObject(body) && isObject(body.usage) ? body.usage : {};
    return { inputTokens: num(usage.prompt_tokens), outputTokens: num(usage.completion_tokens) };
  },
  usageFromStreamEvent(event, counts) {
    if (!isObject(event) || !isObject(event.usage)) return;
    counts.inputTokens = num(event.usage.prompt_tokens);
    counts.outputTokens = num(event.usage.completion_tokens);
  },
};

export const anthropic: ProviderAdapter = {
  provider: 'anthropic',
  buildCall({ body, providerKey, prompt, headers }) {
    const out: JsonObject = { ...body };
    if (prompt !== null) {
      if (typeof body.system === 'string') out.system = `${prompt}\n\n${body.system}`;
      else if (Array.isArray(body.system)) out.system = [{ type: 'text', text: prompt }, ...body.system];
      else out.system = prompt;
    }
    const upstreamHeaders: Record<string, string> = {
      ...JSON_HEADERS,
      'x-api-key': providerKey,
      'anthropic-version': singleHeader(headers['anthropic-version']) ?? DEFAULT_ANTHROPIC_VERSION,
    };
    const beta = singleHeader(headers['anthropic-beta']);
    if (beta !== undefined) upstreamHeaders['anthropic-beta'] = beta;
    return {
      provider: 'anthropic',
      path: '/v1/messages',
      headers: upstreamHeaders,
      body: JSON.stringify(out),
      model: modelOf(body),
    };
  },
  usageFromResponse(body) {
    const usage = isObject(body) && isObject(body.usage) ? body.usage : {};
    return { inputTokens: num(usage.input_tokens), outputTokens: num(usage.output_tokens) };
  },
  usageFromStreamEvent(event, counts) {
    if (!isObject(event)) return;
    if (event.type === 'message_start' && isObject(event.message) && isObject(event.message.usage)) {
      counts.inputTokens = num(event.message.usage.input_tokens);
      counts.outputTokens = num(event.message.usage.output_tokens);
    } else if (event.type === 'message_delta' && isObject(event.usage)) {
      // message_delta's output_tokens is cumulative
      counts.outputTokens = num(event.usage.output_tokens);
    }
  },
};

/** The Gemini adapter; `isModelAllowed` decides which `model` values may become part of the upstream path. */
export function createGoogleAdapter(isModelAllowed: (model: string) => boolean): ProviderAdapter {
  return { ...googleFormat, buildCall: (request) => buildGoogleCall(request, isModelAllowed) };
}

function buildGoogleCall(
  { body, providerKey, prompt }: ClientRequestInfo,
  isModelAllowed: (model: string) => boolean,
): UpstreamCall {
  const model = body.model;
  if (typeof model !== 'string' || !isModelAllowed(model)) {
    throw badRequest('`model` must be a plain model id such as gemini-1.5-flash.');
  }
  const { model: _model, stream, ...rest } = body;
  const out: JsonObject = { ...rest };
  if (prompt !== null) out.systemInstruction = withPrompt(rest.systemInstruction, prompt);
  const method = stream === true ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    provider: 'google',
    path: `/v1beta/models/${model}:${method}`,
    headers: { ...JSON_HEADERS, 'x-goog-api-key': providerKey },
    body: JSON.stringify(out),
    model,
  };
}

const googleFormat: ProviderAdapter = {
  provider: 'google',
  buildCall: (request) => buildGoogleCall(request, isPlainGeminiModel),
  usageFromResponse(body) {
    const usage = isObject(body) && isObject(body.usageMetadata) ? body.usageMetadata : {};
    return { inputTokens: num(usage.promptTokenCount), outputTokens: num(usage.candidatesTokenCount) };
  },
  usageFromStreamEvent(event, counts) {
    if (!isObject(event) || !isObject(event.usageMetadata)) return;
    counts.inputTokens = num(event.usageMetadata.promptTokenCount);
    counts.outputTokens = num(event.usageMetadata.candidatesTokenCount);
  },
};

/** Mintoken puts its rules in front of the first text part of systemInstruction, or creates one. */
function withPrompt(systemInstruction: unknown, prompt: string): JsonObject {
  if (!isObject(systemInstruction) || !Array.isArray(systemInstruction.parts))
    return { parts: [{ text: prompt }] };
  const parts = [...systemInstruction.parts];
  const first = parts.findIndex((part) => isObject(part) && typeof part.text === 'string');
  if (first === -1) parts.unshift({ text: prompt });
  else {
    const part = parts[first] as JsonObject;
    parts[first] = { ...part, text: `${prompt}\n\n${String(part.text)}` };
  }
  return { ...systemInstruction, parts };
}

export const google: ProviderAdapter = createGoogleAdapter(isPlainGeminiModel);

export type ProviderAdapters = Record<Provider, ProviderAdapter>;

export const PROVIDER_ADAPTERS: ProviderAdapters = { openai, anthropic, google };

export function requireJsonObject(value: unknown): JsonObject {
  if (!isObject(value)) throw new ApiError(400, 'invalid_request', 'The request body must be a JSON object.');
  return value;
}
