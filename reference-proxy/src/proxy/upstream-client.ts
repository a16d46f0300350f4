// Keep-alive connection pools to the three providers, verifying certificates against the system CAs plus the configured CA.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { type Dispatcher, Pool } from 'undici';
import type { Config } from '../config.ts';
import type { Provider } from '../usage/usage-store.ts';
import type { UpstreamCall } from './providers.ts';

export interface UpstreamClient {
  send(call: UpstreamCall, signal: AbortSignal): Promise<Dispatcher.ResponseData>;
  close(): Promise<void>;
}

const MAX_CONNECTIONS_PER_PROVIDER = 128;
const KEEP_ALIVE_MS = 30_000;

/**
 * Node's bundled roots, plus UPSTREAM_CA_FILE and NODE_EXTRA_CA_CERTS. Passing `ca` replaces the
 * default store (NODE_EXTRA_CA_CERTS included), so both files are read here explicitly.
 */
export function trustedCertificates(config: Config): string[] {
  const extra = [config.UPSTREAM_CA_FILE, config.NODE_EXTRA_CA_CERTS].filter(
    (file): file is string => file !== undefined,
  );
  return [...rootCertificates, ...extra.map((file) => readFileSync(file, 'utf8'))];
}

export function createUpstreamClient(config: Config): UpstreamClient {
  const ca = trustedCertificates(config);
  const timeoutMs = config.UPSTREAM_TIMEOUT_SECONDS * 1_000;
  const bases: Record<Provider, string> = {
    openai: config.UPSTREAM_OPENAI_URL,
    anthropic: config.UPSTREAM_ANTHROPIC_URL,
    google: config.UPSTREAM_GOOGLE_URL,
  };
  const targets = new Map<Provider, { pool: Pool; basePath: string }>();
  for (const [provider, base] of Object.entries(bases) as [Provider, string][]) {
    const url = new URL(base);
    const pool = new Pool(url.origin, {
      connections: MAX_CONNECTIONS_PER_PROVIDER,
      keepAliveTimeout: KEEP_ALIVE_MS,
      // never turned off: a provider we can't verify never sees the key
      connect: { ca, rejectUnauthorized: true },
    });
    targets.set(provider, { pool, basePath: url.pathname.replace(/\/+$/, '') });
  }

  return {
    send(call, signal) {
      const target = targets.get(call.provider);
      if (target === undefined) throw new Error(`no upstream for ${call.provider}`);
      return target.pool.request({
        method: 'POST',
        path: `${target.basePath}${call.path}`,
        headers: call.headers,
        body: call.body,
        signal,
        // the overall deadline is the caller's signal; these stop a silent socket from outliving it
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    },
    async close() {
      await Promise.all([...targets.values()].map(({ pool }) => pool.close()));
    },
  };
}
