// The started server over real sockets: TLS versions, the HTTP port's redirect, HSTS, and draining on shutdown.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type SecureVersion } from 'node:tls';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultComponents, type Runtime } from '../src/components.ts';
import { loadConfig } from '../src/config.ts';
import { createDatabase } from '../src/db/database.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createPlanPolicy } from '../src/plans.ts';
import { type StartedServer, startServer } from '../src/server.ts';
import { createKey, createTenant } from './api-helpers.ts';
import { SLOW_STREAM_CHUNKS } from './mock-upstream.ts';
import { startTestEnvironment, type TestEnvironment } from './test-environment.ts';

let env: TestEnvironment;
let server: StartedServer;
let closed = false;

beforeAll(async () => {
  env = await startTestEnvironment();
  const config = loadConfig({ ...env.env, HTTPS_PORT: '0', HTTP_PORT: '0', UPSTREAM_TIMEOUT_SECONDS: '10' });
  const runtime: Runtime = {
    logger: createLogger('silent'),
    db: createDatabase(config.DATABASE_URL, 4),
    plans: createPlanPolicy(config),
  };
  server = await startServer(config, defaultComponents(config, runtime), runtime);
});
afterAll(async () => {
  if (!closed) await server?.close();
  await env?.stop();
});

function handshake(version: SecureVersion): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: server.httpsPort,
      servername: 'localhost',
      ca: env.tls.caPem,
      minVersion: version,
      maxVersion: version,
    });
    socket.once('secureConnect', () => {
      resolve(socket.getProtocol() ?? '');
      socket.end();
    });
    socket.once('error', reject);
  });
}

function httpsCall(method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: server.httpsPort,
          method,
          path,
          headers,
          ca: env.tls.caPem,
          servername: 'localhost',
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
}

describe('TRANSPORT-01/02 the HTTPS listener speaks TLS 1.2 and 1.3 only', () => {
  it.for(['TLSv1.2', 'TLSv1.3'] as const)('completes a %s handshake', async (version) => {
    expect(await handshake(version)).toBe(version);
  });

  it.for(['TLSv1', 'TLSv1.1'] as const)('refuses %s', async (version) => {
    await expect(handshake(version)).rejects.toThrow();
  });
});

describe('TRANSPORT-03/04 HTTP redirects, HTTPS carries HSTS', () => {
  it('redirects the HTTP port to the HTTPS port on the same host', async () => {
    const response = await new Promise<{ status: number; location?: string | undefined }>(
      (resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.httpPort,
            path: '/v1/usage?limit=5',
            headers: { host: 'api.mintoken.test' },
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, location: res.headers.location });
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
    expect(response).toEqual({
      status: 308,
      location: `https://api.mintoken.test:${server.httpsPort}/v1/usage?limit=5`,
    });
  });

  it('sends HSTS on a 404 and a 401', async () => {
    for (const path of ['/nope', '/v1/auth/keys']) {
      const response = await httpsCall('GET', path, {});
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    }
  });
});

describe('client aborts', () => {
  it('aborts the upstream stream when the client hangs up mid-stream', async () => {
    const tenant = await createTenant(env.app);
    const { rawKey } = await createKey(env.app, tenant);
    const abortedBefore = env.upstream.aborted();
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: server.httpsPort,
          method: 'POST',
          path: '/v1/chat/completions',
          ca: env.tls.caPem,
          servername: 'localhost',
          headers: {
            authorization: `Bearer ${rawKey}`,
            'x-provider-key': 'sk-abort',
            'content-type': 'application/json',
          },
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', () => {});
      req.on('close', resolve);
      req.end(JSON.stringify({ model: 'mock-slow-stream', stream: true, messages: [] }));
      setTimeout(() => reject(new Error('no first chunk')), 5_000).unref();
    });
    await expect.poll(() => env.upstream.aborted(), { timeout: 3_000 }).toBe(abortedBefore + 1);
  });
});

describe('shutdown drains in-flight work', () => {
  it('finishes a stream that is in flight when the server closes, and writes its usage row', async () => {
    const tenant = await createTenant(env.app);
    const { rawKey, id: keyId } = await createKey(env.app, tenant);
    const streaming = httpsCall(
      'POST',
      '/v1/chat/completions',
      { authorization: `Bearer ${rawKey}`, 'x-provider-key': 'sk-drain', 'content-type': 'application/json' },
      JSON.stringify({ model: 'mock-slow-stream', stream: true, messages: [] }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    closed = true;
    const closing = server.close();
    const response = await streaming;
    await closing;
    expect(response.status).toBe(200);
    expect(response.body).toContain('data: [DONE]');
    const admin = new pg.Client({ connectionString: env.database.adminUrl });
    await admin.connect();
    try {
      const usage = await admin.query('SELECT output_tokens FROM public.usage WHERE key_id = $1', [keyId]);
      expect(usage.rows).toEqual([{ output_tokens: SLOW_STREAM_CHUNKS }]);
    } finally {
      await admin.end();
    }
  });
});
