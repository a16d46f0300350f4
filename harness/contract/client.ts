/** An HTTP client that speaks the target contract over real TLS, trusting only the run's test CA. */
import { Agent, request } from 'undici';
import type { z } from 'zod';
import {
  type CreatedKey,
  CreatedKeySchema,
  KeyListSchema,
  type LoginResponse,
  LoginResponseSchema,
  SignupResponseSchema,
} from './schemas.ts';

export interface TargetResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** what was asked, for evidence (credential values are never kept here) */
  request: { method: string; url: string };
}

export interface TargetRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | object;
  signal?: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** One request a TargetClient made and what came back: what a researcher's repro records and replays. */
export interface TargetExchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string | null;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

const exchangeListeners = new Set<(exchange: TargetExchange) => void>();

/** Calls `listener` after every request any TargetClient of this process makes; returns the unsubscribe. */
export function onTargetExchange(listener: (exchange: TargetExchange) => void): () => void {
  exchangeListeners.add(listener);
  return () => exchangeListeners.delete(listener);
}

export class TargetClient {
  readonly baseUrl: string;
  readonly #agent: Agent;

  constructor(baseUrl: string, caPem: string, options: { localAddress?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#agent = new Agent({
      connect: { ca: caPem },
      // a top-level option: undici's connector overrides `connect.localAddress` with this one
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
  }

  async send(path: string, init: TargetRequest = {}): Promise<TargetResponse> {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (typeof init.body === 'string') body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const url = `${this.baseUrl}${path}`;
    const response = await request(url, {
      method,
      headers,
      dispatcher: this.#agent,
      ...(body === undefined ? {} : { body }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = await response.body.text();
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    for (const listener of exchangeListeners) {
      listener({
        method,
        url,
        requestHeaders: headers,
        requestBody: body ?? null,
        status: response.statusCode,
        responseHeaders: flat,
        responseBody: text,
      });
    }
    return { status: response.statusCode, headers: flat, body: text, request: { method, url } };
  }

  async signup(email: string, password: string): Promise<string> {
    const response = await this.send('/v1/auth/signup', { method: 'POST', body: { email, password } });
    return expectJson(response, 201, SignupResponseSchema).user_id;
  }

  async login(email: string, password: string): Promise<LoginResponse> {
    const response = await this.send('/v1/auth/login', { method: 'POST', body: { email, password } });
    return expectJson(response, 200, LoginResponseSchema);
  }

  async createKey(token: string, body: { name?: string; intensity?: string } = {}): Promise<CreatedKey> {
    const response = await this.send('/v1/auth/keys', { method: 'POST', headers: bearer(token), body });
    return expectJson(response, 201, CreatedKeySchema);
  }

  async listKeys(token: string) {
    return expectJson(await this.send('/v1/auth/keys', { headers: bearer(token) }), 200, KeyListSchema).keys;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Parses a response that must have this status and shape; the error names both when it doesn't. */
export function expectJson<T extends z.ZodType>(
  response: TargetResponse,
  status: number,
  schema: T,
): z.infer<T> {
  if (response.status !== status) {
    throw new ContractViolation(
      `${response.request.method} ${new URL(response.request.url).pathname} answered ${response.status}, the contract says ${status}: ${response.body.slice(0, 300)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new ContractViolation(
      `${response.request.method} ${response.request.url} answered a body that is not JSON`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ContractViolation(
      `${response.request.method} ${new URL(response.request.url).pathname} answered a body outside the contract: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}

/** The target broke the contract: a finding (fail), not a harness error. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}
