// The mock upstreams' memory (recorded requests, revoked keys) and the plain-HTTP API that exposes it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { type Provider, ProviderSchema } from '../environment-info.ts';
import { type RecordedRequest, RevokeBodySchema } from './mock-control-client.ts';

export class RequestLog {
  readonly #requests: RecordedRequest[] = [];
  readonly #revoked = new Set<string>();

  record(request: Omit<RecordedRequest, 'seq' | 'receivedAt'>): RecordedRequest {
    const recorded = { seq: this.#requests.length + 1, ...request, receivedAt: new Date().toISOString() };
    this.#requests.push(recorded);
    return recorded;
  }

  list(query: { since?: number; provider?: Provider } = {}): RecordedRequest[] {
    return this.#requests.filter(
      (r) => r.seq > (query.since ?? 0) && (query.provider === undefined || r.provider === query.provider),
    );
  }

  /** Notes when the response to request `seq` closed, and whether the mock had finished it. */
  closed(seq: number, responseFinished: boolean): void {
    const request = this.#requests[seq - 1];
    if (request === undefined || request.closedAt !== undefined) return;
    request.closedAt = new Date().toISOString();
    request.responseFinished = responseFinished;
  }

  get lastSeq(): number {
    return this.#requests.length;
  }

  revoke(key: string): void {
    this.#revoked.add(key);
  }

  isRevoked(key: string): boolean {
    return this.#revoked.has(key);
  }
}

/** Header names lower-cased with repeats joined, and the raw [name, value] pairs in order. */
export function headersOf(req: IncomingMessage): Pick<RecordedRequest, 'headers' | 'rawHeaders'> {
  const rawHeaders: [string, string][] = [];
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? ''];
    rawHeaders.push([name, value]);
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  return { headers, rawHeaders };
}

const RequestsQuerySchema = z.strictObject({
  since: z.coerce.number().int().nonnegative().optional(),
  provider: ProviderSchema.optional(),
});

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handleControl(log: RequestLog, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control.invalid');
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') return sendJson(res, 200, { status: 'ok' });
  if (route === 'GET /requests') {
    const query = RequestsQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) return sendJson(res, 400, { error: z.prettifyError(query.error) });
    const filter: { since?: number; provider?: Provider } = {};
    if (query.data.since !== undefined) filter.since = query.data.since;
    if (query.data.provider !== undefined) filter.provider = query.data.provider;
    return sendJson(res, 200, { requests: log.list(filter), lastSeq: log.lastSeq });
  }
  if (route === 'POST /revoked') {
    let json: unknown;
    try {
      json = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, { error: 'body must be JSON {"key": "..."}' });
    }
    const body = RevokeBodySchema.safeParse(json);
    if (!body.success) return sendJson(res, 400, { error: z.prettifyError(body.error) });
    log.revoke(body.data.key);
    res.writeHead(204).end();
    return;
  }
  sendJson(res, 404, { error: `no control route ${route}; see GET /requests, POST /revoked, GET /health` });
}

export function createControlServer(log: RequestLog): Server {
  return createServer((req, res) => {
    handleControl(log, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
}
