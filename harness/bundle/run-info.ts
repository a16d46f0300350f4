/** What a bundle says about the run's surroundings: harness version and commit, tool versions, the target's /version. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, request } from 'undici';
import { messageOf } from '../errors.ts';

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file's bytes, or null when it cannot be read. */
export function sha256OfFile(file: string): string | null {
  try {
    return sha256Hex(readFileSync(file));
  } catch {
    return null;
  }
}

/** Runs a command for its first output line; null when it is missing, fails or takes over `timeoutMs`. */
function firstLine(command: string, args: readonly string[], timeoutMs = 3_000): string | null {
  try {
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = out
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0);
    return line ?? null;
  } catch {
    return null;
  }
}

export interface HarnessInfo {
  version: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

/** package.json's version and the checkout's commit (null outside a git checkout). */
export function harnessInfo(root = process.cwd()): HarnessInfo {
  let version = 'unknown';
  try {
    version =
      (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
      'unknown';
  } catch {
    // a harness without package.json still reports
  }
  const gitCommit = firstLine('git', ['-C', root, 'rev-parse', 'HEAD']);
  const status = gitCommit === null ? null : firstLine('git', ['-C', root, 'status', '--porcelain', '-uno']);
  return { version, gitCommit, gitDirty: gitCommit === null ? null : status !== null };
}

export interface ToolVersion {
  name: string;
  version: string | null;
  source: string;
}

/**
 * Versions of the tools a run relies on, each detected cheaply (a `--version`, a few seconds at most) and
 * never failing: a missing tool is `version: null`. `postgres` is the Postgres binary the run used, when known.
 */
export function toolVersions(options: { postgres?: string | null; chromium?: string } = {}): ToolVersion[] {
  const chromium = options.chromium ?? (process.env.HARNESS_CHROMIUM?.trim() || '/usr/bin/chromium');
  const postgres = options.postgres ?? 'postgres';
  const tools: ToolVersion[] = [
    { name: 'node', version: process.version, source: 'process.version' },
    { name: 'openssl (node)', version: process.versions.openssl ?? null, source: 'process.versions.openssl' },
    { name: 'openssl', version: firstLine('openssl', ['version']), source: 'openssl version' },
    { name: 'postgres', version: firstLine(postgres, ['--version']), source: `${postgres} --version` },
    {
      name: 'chromium',
      version: existsSync(chromium) ? firstLine(chromium, ['--version']) : null,
      source: `${chromium} --version`,
    },
    { name: 'docker', version: firstLine('docker', ['--version']), source: 'docker --version' },
  ];
  return tools;
}

/** The embedded `postgres` binary, when the package is installed (never throws). */
export async function embeddedPostgres(): Promise<string | null> {
  try {
    const { findPostgresBinaries } = await import('../embedded/postgres-binaries.ts');
    return (await findPostgresBinaries()).postgres;
  } catch {
    return null;
  }
}

/** The target's `GET /version` body (contract: `{version, git_sha, build_time}`), or why it could not be read. */
export async function targetVersion(
  baseUrl: string,
  caPem: string | null,
  timeoutMs = 3_000,
): Promise<{ version: unknown; error: string | null }> {
  const dispatcher = new Agent({ connect: caPem ? { ca: caPem } : {} });
  try {
    const response = await request(new URL('/version', baseUrl), {
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      return { version: null, error: `GET /version answered ${response.statusCode}` };
    try {
      return { version: JSON.parse(text), error: null };
    } catch {
      return { version: text.slice(0, 500), error: 'GET /version did not answer JSON' };
    }
  } catch (error) {
    return { version: null, error: `GET /version: ${messageOf(error)}` };
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
