// TRANSPORT-03 at the unit level: the HTTP listener redirects to the same host over HTTPS and serves nothing else.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpsRedirectListener, redirectHostname } from '../src/http/http-listener.ts';
import { createLogger } from '../src/logging/logger.ts';

const HTTPS_PORT = 8_443;
let server: Server;
let port: number;
let apiCalls = 0;

beforeAll(async () => {
  const listener = createHttpsRedirectListener({
    httpsPort: HTTPS_PORT,
    logger: createLogger('silent'),
    apiHandler: () => {
      apiCalls += 1;
    },
  });
  server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function send(method: string, path: string, host?: string) {
  const { request } = await import('node:http');
  return new Promise<{
    status: number;
    location: string | undefined;
    hsts: string | undefined;
    body: string;
  }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: host === undefined ? {} : { host } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            hsts: res.headers['strict-transport-security'] as string | undefined,
            body,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? '{"model":"x"}' : undefined);
  });
}

describe('TRANSPORT-03 plain HTTP redirects to HTTPS and serves nothing', () => {
  it.for([
    { method: 'GET', path: '/health' },
    { method: 'POST', path: '/v1/chat/completions?x=1' },
    { method: 'DELETE', path: '/v1/auth/keys/abc' },
    { method: 'OPTIONS', path: '/' },
  ])('answers $method $path with 308 to the same host, path and query', async ({ method, path }) => {
    const response = await send(method, path, 'api.mintoken.test:8080');
    expect(response.status).toBe(308);
    expect(response.location).toBe(`https://api.mintoken.test:${HTTPS_PORT}${path}`);
    expect(response.hsts).toBeUndefined();
    expect(response.body).toBe('');
    expect(apiCalls).toBe(0);
  });

  it('keeps a path starting with // as a path on the same host', async () => {
    const response = await send('GET', '//evil.example/x', 'localhost');
    expect(response.location).toBe(`https://localhost:${HTTPS_PORT}//evil.example/x`);
    expect(new URL(response.location ?? '').hostname).toBe('localhost');
  });

  it.for([
    { name: 'userinfo', host: 'user@evil.example' },
    { name: 'a path', host: 'evil.example/x' },
    { name: 'a space', host: 'a b' },
    { name: 'a backslash', host: 'evil.example\\@good' },
    { name: 'an underscore label', host: 'bad_host' },
    { name: 'a bracketed non-IPv6', host: '[evil.example]' },
  ])('refuses a Host with $name with 400 and no Location', async ({ host }) => {
    expect(redirectHostname(host)).toBeNull();
    const response = await send('GET', '/', host);
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
  });

  it('accepts IP literals', () => {
    expect(redirectHostname('127.0.0.1:8080')).toBe('127.0.0.1');
    expect(redirectHostname('[::1]:8080')).toBe('[::1]');
  });
});
