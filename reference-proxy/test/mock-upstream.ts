// Test helper: one HTTPS origin answering as OpenAI, Anthropic and Google would, recording every request.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface MockUpstream {
  url: string;
  requests: RecordedRequest[];
  /** responses whose connection closed before the mock finished writing them */
  aborted(): number;
  close(): Promise<void>;
}

const COMPLETION = 'mock completion';
export const SLOW_STREAM_CHUNKS = 6;
const SLOW_STREAM_INTERVAL_MS = 150;

function sse(events: unknown[], named = false): string {
  return events
    .map((event) => {
      const type = (event as { type?: string }).type;
      return `${named && type !== undefined ? `event: ${type}\n` : ''}data: ${JSON.stringify(event)}\n\n`;
    })
    .join('');
}

/** Fault by model name: mock-echo-401, mock-500, mock-reset, mock-timeout, mock-malformed-json, mock-slow-stream. */
function respond(request: RecordedRequest, response: import('node:http').ServerResponse): void {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(request.body) as Record<string, unknown>;
  } catch {}
  const model = String(body.model ?? /models\/([^:]+):/.exec(request.path)?.[1] ?? '');
  const stream = body.stream === true || request.path.includes('streamGenerateContent');
  if (model === 'mock-timeout') return;
  if (model === 'mock-reset') {
    response.socket?.destroy();
    return;
  }
  if (model === 'mock-echo-401') {
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ error: { message: `Incorrect API key provided: ${request.headers.authorization}` } }),
    );
    return;
  }
  if (model === 'mock-500') {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"upstream exploded"}}');
    return;
  }
  if (model === 'mock-malformed-json') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"choices": [');
    return;
  }
  if (model === 'mock-slow-stream') {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let sent = 0;
    const timer = setInterval(() => {
      sent += 1;
      if (sent < SLOW_STREAM_CHUNKS) {
        response.write(sse([{ choices: [{ delta: { content: `chunk ${sent}` } }] }]));
        return;
      }
      clearInterval(timer);
      response.end(
        `${sse([{ choices: [], usage: { prompt_tokens: 3, completion_tokens: SLOW_STREAM_CHUNKS } }])}data: [DONE]\n\n`,
      );
    }, SLOW_STREAM_INTERVAL_MS);
    response.on('close', () => clearInterval(timer));
    return;
  }
  if (request.path.startsWith('/v1/chat/completions')) {
    if (stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse([{ choices: [{ delta: { content: COMPLETION } }] }]));
      response.end(
        `${sse([{ choices: [], usage: { prompt_tokens: 11, completion_tokens: 7 } }])}data: [DONE]\n\n`,
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        choices: [{ message: { role: 'assistant', content: COMPLETION } }],
        usage: { prompt_tokens: 11, completion_tokens: 7 },
      }),
    );
    return;
  }
  if (request.path.startsWith('/v1/messages')) {
    if (stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        sse(
          [
            { type: 'message_start', message: { usage: { input_tokens: 13, output_tokens: 1 } } },
            { type: 'content_block_delta', delta: { type: 'text_delta', text: COMPLETION } },
            { type: 'message_delta', usage: { output_tokens: 9 } },
            { type: 'message_stop' },
          ],
          true,
        ),
      );
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        content: [{ type: 'text', text: COMPLETION }],
        usage: { input_tokens: 13, output_tokens: 9 },
      }),
    );
    return;
  }
  if (request.path.startsWith('/v1beta/models/')) {
    const chunk = {
      candidates: [{ content: { parts: [{ text: COMPLETION }] } }],
      usageMetadata: { promptTokenCount: 17, candidatesTokenCount: 5 },
    };
    if (stream) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse([chunk]));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(chunk));
    return;
  }
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":"not found"}');
}

export async function startMockUpstream(cert: string, key: string): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  let aborted = 0;
  const server: Server = createServer({ cert, key }, (request, response) => {
    response.on('close', () => {
      if (!response.writableFinished) aborted += 1;
    });
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      respond(recorded, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    requests,
    aborted: () => aborted,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
