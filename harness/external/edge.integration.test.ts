// External mode proven: the reference proxy, brought up as a deployment outside the audited run, behind Debian's nginx as its
// TLS edge, audited through an external manifest; a deliberately weakened edge fails exactly the transport claims it breaks.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { type StartedEnvironment, startEnvironment } from '../environment.ts';
import { reserveFreePorts } from '../free-port.ts';
import { DEFAULT_MANIFEST_PATH, loadManifest } from '../manifest.ts';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';
import { reportDirOf } from '../reporter.ts';
import { type RunningEdge, startEdge } from './testing/nginx-edge.ts';

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const deployId = `edge-deploy-${stamp}`;
const work = path.resolve('reports', deployId, 'edge');
let deployment: StartedEnvironment;
let edge: RunningEdge | null = null;

const POLICY_CLAIMS = [
  ...Array.from({ length: 9 }, (_, i) => `SECRETS-0${i + 1}`),
  ...Array.from({ length: 8 }, (_, i) => `AUTH-0${i + 1}`),
  'TENANCY',
  'TRANSPORT',
  'RATELIMIT',
].join(',');

/** The claims an external audit through a sound edge must see pass: the ones needing only URLs, accounts, mocks and adminUrl. */
const MUST_PASS = [
  'TRANSPORT-01',
  'TRANSPORT-02',
  'TRANSPORT-03',
  'TRANSPORT-04',
  'TRANSPORT-05',
  'AUTH-03',
  'AUTH-05',
  'AUTH-08',
  'RATELIMIT-01',
  'RATELIMIT-02',
  'TENANCY-04',
];

async function edgeManifest(weakened: boolean, name: string): Promise<string> {
  const info = deployment.getInfo();
  const replica = info.replicas[0];
  if (!replica) throw new Error('the deployment has no replica');
  const [httpsPort = 0, httpPort = 0] = await reserveFreePorts(2);
  await edge?.stop();
  edge = await startEdge({
    dir: path.join(work, name),
    httpsPort,
    httpPort,
    upstream: {
      port: replica.httpsPort,
      caFile: info.targetEnv.UPSTREAM_CA_FILE ?? '',
      upstreamName: 'localhost',
    },
    certFile: info.targetEnv.TLS_CERT_FILE ?? '',
    keyFile: info.targetEnv.TLS_KEY_FILE ?? '',
    weakened,
  });
  const manifest = {
    name: `reference-behind-nginx${weakened ? '-weakened' : ''}`,
    run: {
      external: {
        httpsUrl: `https://127.0.0.1:${httpsPort}`,
        httpUrl: `http://127.0.0.1:${httpPort}`,
        caFile: info.targetEnv.UPSTREAM_CA_FILE,
        tlsHostname: info.tlsHostname,
        mockControlUrl: info.mockControlUrl,
        mockUpstreams: {
          openai: info.upstreams.openai.url,
          anthropic: info.upstreams.anthropic.url,
          google: info.upstreams.google.url,
        },
      },
    },
    database: {
      schemas: info.database.schemas,
      tenantRole: info.database.tenantRole,
      tenantContext: info.database.tenantContext,
      adminUrl: info.database.adminUrl,
    },
    accounts: 'signup',
    logs: { file: replica.logFiles[0] },
    keyFormat: { checksum: 'crc32-base62' },
    limits: { maxRequestBodyBytes: 100_000 },
  };
  const file = path.join(work, `${name}.yaml`);
  writeFileSync(file, stringify(manifest));
  return file;
}

/**
 * Runs the audit as a child process WITHOUT blocking this process: the deployment's mock providers live in this
 * process's event loop, so a synchronous spawn would starve them and every proxied call would time out.
 */
async function audit(manifest: string, runId: string, args: string[] = []) {
  const child = spawn(
    process.execPath,
    [path.resolve('harness/cli/main.ts'), 'run', '--target', manifest, ...args],
    {
      env: { ...process.env, HARNESS_RUN_ID: runId, HARNESS_MODE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output = (output + chunk).slice(-8000);
  });
  child.stderr.on('data', (chunk) => {
    output = (output + chunk).slice(-8000);
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const report = EvidenceReportSchema.parse(
    JSON.parse(readFileSync(path.join(reportDirOf(runId), 'evidence.json'), 'utf8')),
  );
  const results = Object.fromEntries(report.claims.filter((c) => c.ran).map((c) => [c.id, c.result]));
  const reasons = Object.fromEntries(
    report.claims
      .filter((c) => c.ran && c.result !== 'pass')
      .map((c) => [c.id, c.reason ?? c.checks.flatMap((k) => k.messages)[0] ?? null]),
  );
  return { status, output: output.slice(-4000), report, results, reasons };
}

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  const reference = await loadManifest(DEFAULT_MANIFEST_PATH);
  const run = reference.run.process;
  if (!run) throw new Error('targets/reference.yaml is a process manifest');
  // The deployment: the reference proxy as its operator would run it behind an edge that forwards the client address.
  deployment = await startEnvironment(
    {
      ...reference,
      run: { process: { ...run, env: { ...run.env, TRUSTED_PROXIES: '127.0.0.1' } } },
      // throttled like a production service (AUTH-12 needs a 429 within 1,000), loose enough for a whole gate
      limits: { ...reference.limits, signupLimit: 900, keyMintLimit: 900 },
    },
    { manifestPath: DEFAULT_MANIFEST_PATH, replicas: 1, runId: deployId, reportDir: reportDirOf(deployId) },
  );
}, 120_000);

afterAll(async () => {
  await edge?.stop();
  await deployment?.stop();
  rmSync(path.join(work), { recursive: true, force: true });
});

describe('external mode through a real edge', () => {
  test('a sound edge: the claims external mode can see pass, none fails or errors, the rest say why not', {
    timeout: 900_000,
  }, async () => {
    const manifest = await edgeManifest(false, 'sound');
    // the policy's 34 claims (the hardening claims through an edge are not part of this proof yet)
    const run = await audit(manifest, `edge-sound-${stamp}`, ['--claims', POLICY_CLAIMS]);
    expect(run.report.target?.mode).toBe('external');
    expect(run.report.target?.url).toContain('https://127.0.0.1:');
    // no false alarm; an `error` only where a busy machine made a bounded measurement inconclusive
    const noise = /HARNESS_ERR_(TIMING_INCONCLUSIVE|CHECK_OVER_BUDGET)/;
    const failed = Object.entries(run.results).filter(
      ([id, r]) => r === 'fail' || (r === 'error' && !noise.test(run.reasons[id] ?? '')),
    );
    expect(failed, `${JSON.stringify(run.reasons, null, 1)}\n${run.output}`).toEqual([]);
    for (const id of MUST_PASS) expect(run.results[id], `${id}: ${run.reasons[id]}`).toBe('pass');
    for (const [id, result] of Object.entries(run.results)) {
      if (result === 'not_assessed') expect(run.reasons[id], id).toBeTruthy();
    }
    expect([0, 3]).toContain(run.status);
  });

  test('a weakened edge (TLS 1.0 and CBC suites on, HSTS only on 2xx/3xx) fails exactly TRANSPORT-01, -02, -04 and -05', {
    timeout: 600_000,
  }, async () => {
    const manifest = await edgeManifest(true, 'weakened');
    const run = await audit(manifest, `edge-weak-${stamp}`, ['--claims', 'TRANSPORT']);
    expect(run.status, run.output).toBe(1);
    const failed = Object.entries(run.results)
      .filter(([, r]) => r === 'fail')
      .map(([id]) => id)
      .sort();
    // -05 too: the browser's first visit gets an error page, which now carries no HSTS, so it comes back over HTTP
    expect(failed, JSON.stringify(run.reasons, null, 1)).toEqual([
      'TRANSPORT-01',
      'TRANSPORT-02',
      'TRANSPORT-04',
      'TRANSPORT-05',
    ]);
    expect(
      Object.entries(run.results).filter(([, r]) => r === 'error'),
      JSON.stringify(run.reasons),
    ).toEqual([]);
  });
});
