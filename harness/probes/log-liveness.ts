/** Proof that a log capture is live: requests the harness sends leave a line the target itself writes (its request path), found in the captured bytes. */
import { randomBytes, randomInt } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { TargetClient } from '../contract/client.ts';
import { messageOf } from '../errors.ts';
import { settleLogs } from './target-logs.ts';

/** The request paths the marker requests use: what an access log line names, whatever else a target logs. */
export const MARKER_PATHS = ['/v1/chat/completions', '/health'] as const;

/** How long the marker's line may take to reach the capture (a target may buffer its logs). */
const MARKER_WAIT_MS = 5_000;
const MARKER_POLL_MS = 250;

export interface LogLiveness {
  /** which log files (one replica's, or the replicas a test started) */
  files: string[];
  /** bytes captured in those files */
  bytes: number;
  /** the marker found, in words (the unique query marker, or the request path of a marker request) */
  found: string | null;
  /** why the capture proves nothing, when it doesn't */
  problem: string | null;
}

/** A source address of its own on loopback, so the marker's unauthenticated request throttles no other check. */
function markerClient(baseUrl: string, caPem: string): TargetClient {
  const host = new URL(baseUrl).hostname;
  const loopback = host === 'localhost' || host.startsWith('127.');
  const localAddress = `127.${randomInt(16, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  return new TargetClient(baseUrl, caPem, loopback ? { localAddress } : {});
}

/**
 * Sends the marker requests to one replica: `GET /health` and an unauthenticated
 * `POST /v1/chat/completions` (401, never forwarded), both with a unique query marker. A target that
 * logs URLs writes the marker; any target with an access log writes the request path.
 */
export async function sendLogMarker(baseUrl: string, caPem: string): Promise<string> {
  const marker = `harness-log-marker-${randomBytes(8).toString('hex')}`;
  const client = markerClient(baseUrl, caPem);
  try {
    await client.send(`/health?harness_log_marker=${marker}`).catch(() => undefined);
    await client
      .send(`/v1/chat/completions?harness_log_marker=${marker}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      .catch(() => undefined);
  } finally {
    await client.close().catch(() => undefined);
  }
  return marker;
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

async function bytesFrom(file: string, offset: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const out = Buffer.alloc(Math.max(0, size - offset));
    if (out.length > 0) await handle.read(out, 0, out.length, offset);
    return out;
  } finally {
    await handle.close();
  }
}

function markerIn(bytes: Buffer, marker: string | null): string | null {
  const text = bytes.toString('utf8');
  if (marker !== null && text.includes(marker))
    return `the unique query marker of a request the harness sent`;
  const path = MARKER_PATHS.find((p) => text.includes(p));
  return path === undefined ? null : `the request path ${path} of a request the harness sent`;
}

/**
 * One live replica's capture: the marker requests are sent to it, and the bytes its log files gained
 * afterwards must hold the marker or a marker request's path. An empty, missing or unreadable file,
 * or no identifiable line at all, is a problem: a clean sweep of that capture would prove nothing.
 */
export async function checkLiveCapture(
  baseUrl: string,
  caPem: string,
  files: readonly string[],
): Promise<LogLiveness> {
  const result: LogLiveness = { files: [...files], bytes: 0, found: null, problem: null };
  try {
    const offsets = await Promise.all(files.map(sizeOf));
    const marker = await sendLogMarker(baseUrl, caPem);
    const deadline = Date.now() + MARKER_WAIT_MS;
    await settleLogs(files);
    for (;;) {
      const added = await Promise.all(files.map((file, i) => bytesFrom(file, offsets[i] ?? 0)));
      result.found = markerIn(Buffer.concat(added), marker);
      if (result.found !== null || Date.now() >= deadline) break;
      await sleep(MARKER_POLL_MS);
    }
    result.bytes = (await Promise.all(files.map(sizeOf))).reduce((a, b) => a + b, 0);
  } catch (error) {
    result.problem = `the log capture ${files.join(', ')} could not be read: ${messageOf(error)}`;
    return result;
  }
  if (result.bytes === 0) result.problem = `the log capture ${files.join(', ')} is empty`;
  else if (result.found === null)
    result.problem =
      `after the harness sent GET /health and POST /v1/chat/completions to ${baseUrl}, nothing identifiable ` +
      `(their request path or query marker) reached ${files.join(', ')}: the target logs nothing the harness ` +
      'can recognise as its own line (LOG_LEVEL=debug was requested), so a clean sweep of these logs proves nothing';
  return result;
}

/**
 * The capture of replicas a test started and has stopped: it cannot be asked for a marker now, so
 * its files must be non-empty and hold the request path of a request the harness sent them.
 */
export async function checkFinishedCapture(files: readonly string[]): Promise<LogLiveness> {
  const result: LogLiveness = { files: [...files], bytes: 0, found: null, problem: null };
  try {
    const all = await Promise.all(files.map((file) => bytesFrom(file, 0)));
    const bytes = Buffer.concat(all);
    result.bytes = bytes.length;
    result.found = markerIn(bytes, null);
  } catch (error) {
    result.problem = `the log capture ${files.join(', ')} could not be read: ${messageOf(error)}`;
    return result;
  }
  if (result.bytes === 0) result.problem = `the log capture ${files.join(', ')} is empty`;
  else if (result.found === null)
    result.problem = `${files.join(', ')} hold no request path of a request the harness sent that replica: the target logs nothing the harness can recognise as its own line`;
  return result;
}
