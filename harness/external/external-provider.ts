/** The external provider (run.external): a deployed target the harness only talks to, with what its manifest lets it observe. */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { EnvironmentProvider, ProviderContext } from '../environment.ts';
import type { EnvironmentInfo } from '../environment-info.ts';
import { formatDuration, HarnessError, messageOf } from '../errors.ts';
import { followCommand, followFile, type LogCapture } from './log-source.ts';

const portOf = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/** GET /health over HTTPS answers 200 within the ready timeout, or the run stops saying what was seen. */
async function waitForHealth(httpsUrl: string, caPem: string, timeoutMs: number): Promise<void> {
  const agent = new Agent({ connect: { ca: caPem }, headersTimeout: 5_000, bodyTimeout: 5_000 });
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  try {
    while (Date.now() < deadline) {
      try {
        const response = await request(`${httpsUrl}/health`, { dispatcher: agent });
        await response.body.dump();
        if (response.statusCode === 200) return;
        last = `status ${response.statusCode}`;
      } catch (error) {
        last = messageOf(error);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await agent.close();
  }
  throw new HarnessError(
    'HARNESS_ERR_TARGET_UNREACHABLE',
    `${httpsUrl}/health did not answer 200 over HTTPS within ${formatDuration(timeoutMs)} (last: ${last}). ` +
      'Check run.external.httpsUrl, that the deployment is up, and run.external.caFile if its certificate is private.',
  );
}

async function start(ctx: ProviderContext): Promise<EnvironmentInfo> {
  const run = ctx.manifest.run.external;
  if (run === undefined) throw new Error('the external provider runs only run.external manifests');
  const startedAt = new Date().toISOString();
  const https = new URL(run.httpsUrl);
  const http = new URL(run.httpUrl);
  const httpsUrl = run.httpsUrl.replace(/\/$/, '');
  ctx.progress(`auditing ${ctx.manifest.name}: external mode, ${httpsUrl}`);
  let caPem: string;
  try {
    caPem = run.caFile ? await readFile(run.caFile, 'utf8') : rootCertificates.join('\n');
  } catch (error) {
    throw new HarnessError(
      'HARNESS_ERR_MANIFEST_NOT_FOUND',
      `cannot read run.external.caFile ${run.caFile}: ${messageOf(error)}`,
    );
  }
  await waitForHealth(httpsUrl, caPem, ctx.readyTimeoutMs);
  await mkdir(ctx.logDir, { recursive: true });
  let capture: LogCapture | null = null;
  const logs = ctx.manifest.logs;
  if (typeof logs === 'object' && 'file' in logs)
    capture = followFile(logs.file, path.join(ctx.logDir, 'target.log'));
  if (typeof logs === 'object' && 'command' in logs)
    capture = followCommand(logs.command, path.join(ctx.logDir, 'target.log'));
  if (capture !== null) {
    const owned = capture;
    ctx.cleanup.defer('stop following the target log', () => owned.stop());
  }
  ctx.progress(
    `external target answers; logs: ${capture ? capture.file : 'none'}; database: ${ctx.manifest.database.adminUrl ? 'adminUrl given' : 'not inspectable'}; provider traffic: ${run.mockControlUrl ?? 'not observable'}`,
  );
  const none = { url: '' };
  return {
    runId: ctx.runId,
    targetName: ctx.manifest.name,
    mode: 'external',
    manifestPath: ctx.manifestPath,
    mutant: null,
    replicas: [
      {
        httpsUrl,
        httpUrl: run.httpUrl.replace(/\/$/, ''),
        httpsPort: portOf(https),
        httpPort: portOf(http),
        pid: null,
        logFiles: capture ? [capture.file] : [],
      },
    ],
    caPem,
    tlsHostname: run.tlsHostname ?? https.hostname,
    upstreams: run.mockUpstreams
      ? {
          openai: { url: run.mockUpstreams.openai },
          anthropic: { url: run.mockUpstreams.anthropic },
          google: { url: run.mockUpstreams.google },
        }
      : { openai: none, anthropic: none, google: none },
    mockControlUrl: run.mockControlUrl ?? null,
    database: {
      adminUrl: ctx.manifest.database.adminUrl ?? null,
      schemas: ctx.manifest.database.schemas,
      tenantRole: ctx.manifest.database.tenantRole,
      tenantContext: ctx.manifest.database.tenantContext,
      statementLogFile: null,
      dataDir: null,
    },
    dirs: { dataDir: null, tmpDir: null, workDir: null, diagnosticDir: null },
    startedAt,
    secrets: null,
    accounts: ctx.manifest.accounts,
    targetEnv: {},
  };
}

export const externalProvider: EnvironmentProvider = { mode: 'external', start };
