// Benchmark worker: drives one target with undici at fixed concurrency over a request mix, off the servers' event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadJob {
  origin: string;
  ca: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  requests: LoadRequest[];
}

export interface LoadResult {
  completed: number;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  /** per-request latencies in ms, sorted */
  latencies: number[];
}

async function run(job: LoadJob): Promise<LoadResult> {
  const pool = new Pool(job.origin, { connections: job.concurrency, connect: { ca: job.ca } });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let started = 0;
  let errors = 0;
  const begin = performance.now();
  const deadline = begin + job.durationMs;
  async function lane(): Promise<void> {
    while (started < job.maxRequests && performance.now() < deadline) {
      const request = job.requests[started % job.requests.length] as LoadRequest;
      started += 1;
      const t0 = performance.now();
      try {
        const response = await pool.request({
          method: 'POST',
          path: request.path,
          headers: request.headers,
          body: request.body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await response.body.arrayBuffer();
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        latencies.push(performance.now() - t0);
      } catch {
        errors += 1;
      }
    }
  }
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  const elapsedMs = performance.now() - begin;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { completed: latencies.length, errors, statuses, elapsedMs, latencies };
}

run(workerData as LoadJob).then(
  (result) => parentPort?.postMessage(result),
  (error: unknown) => parentPort?.postMessage({ error: String(error) }),
);
