// The evidence bundle: every format from one report, sealed and verified, failing on any changed byte, redacted, pruned.
import { generateKeyPairSync } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { chromiumPath } from '../../fixtures/browser.ts';
import { CLAIMS_CATALOGUE } from '../claims-catalogue.ts';
import { aggregateClaims } from '../report/aggregate.ts';
import { type EvidenceReport, EvidenceReportSchema } from '../report/evidence-schema.ts';
import { finalizeBundle } from './finalize.ts';
import { manifestHashOf, type SigningKey, verifyBundle, verifyChain } from './integrity.ts';
import { lastKillMatrix, mutantProofOf } from './mutant-proof.ts';
import { pruneReports } from './prune.ts';
import { fingerprintProviderKeys } from './redact.ts';
import { renderBundle } from './render.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bundle-test-'));
  dirs.push(dir);
  return dir;
}

const JWT_SECRET = 'jwtSecretCanary0123456789abcdefghijklmnop';
const PLANT = `sk-proj-${'A1b2C3d4'.repeat(6)}`;

function sampleReport(): EvidenceReport {
  const check = (result: 'pass' | 'fail', line: number) => ({
    title: `check ${line}`,
    file: 'suites/auth/x.test.ts',
    line,
    column: 3,
    result,
    durationMs: 5,
    messages: result === 'fail' ? ['expected 401, got 200'] : [],
    evidence: [{ kind: 'positive_control' as const, label: 'a live key was accepted', data: null }],
  });
  return EvidenceReportSchema.parse({
    schemaVersion: 2,
    runId: 'run-test-2026-01-01T00-00-00-000Z',
    generatedAt: '2026-01-01T00:01:00.000Z',
    harness: { version: '0.1.0', gitCommit: 'a'.repeat(40), gitDirty: false },
    tools: [{ name: 'node', version: 'v24', source: 'process.version' }],
    target: {
      name: 'reference-proxy',
      mode: 'process',
      manifestPath: 'targets/reference.yaml',
      mutant: null,
    },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:01:00.000Z',
    durationMs: 60_000,
    seed: '42',
    summary: { pass: 1, fail: 1, error: 0, not_assessed: 32, not_applicable: 0 },
    selection: { complete: true, files: [] },
    tests: { passed: 1, failed: 1, skipped: 0 },
    claims: aggregateClaims(
      new Map([
        ['AUTH-01', [check('pass', 10)]],
        ['AUTH-03', [check('fail', 20)]],
      ]),
    ),
    unclaimed: [{ ...check('pass', 30), title: 'harness self-check' }],
    runErrors: [],
    artifacts: [],
  });
}

function runDir(extraLog = ''): string {
  const dir = tempDir();
  mkdirSync(path.join(dir, 'logs'));
  writeFileSync(path.join(dir, 'evidence.json'), JSON.stringify(sampleReport()));
  writeFileSync(
    path.join(dir, 'logs', 'postgres.log'),
    `LOG: statement: INSERT INTO harness_control VALUES ('${PLANT}')\n${extraLog}`,
  );
  return dir;
}

function key(): SigningKey {
  return { privateKey: generateKeyPairSync('ed25519').privateKey, source: 'test' };
}

describe('evidence bundle', () => {
  test('writes every format, gzips logs, fingerprints planted provider keys, and verifies', async () => {
    const dir = runDir();
    const signing = key();
    const result = await finalizeBundle(dir, {
      secrets: { jwtSecret: JWT_SECRET },
      fullLogs: true,
      prev: null,
      key: signing,
    });
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    expect(files).toEqual(
      expect.arrayContaining([
        'assessment-results.oscal.json',
        'chain.json',
        'evidence.html',
        'evidence.json',
        'index.html',
        'junit.xml',
        'logs/postgres.log.gz',
        'manifest.sha256',
        'manifest.sig.json',
        'results.sarif',
      ]),
    );
    expect(files).not.toContain('logs/postgres.log');
    const log = gunzipSync(readFileSync(path.join(dir, 'logs', 'postgres.log.gz'))).toString();
    expect(log).not.toContain(PLANT);
    expect(log).toMatch(/\[redacted openai-key sha256:[0-9a-f]{16}\]/);
    expect(result.redaction).toEqual({ fingerprinted: 1, findings: [] });
    expect(result.report.artifacts.map((a) => a.path)).toEqual(['logs/postgres.log.gz']);
    const verified = verifyBundle(dir, {
      publicKey: signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(verified.problems).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  test('verify fails on a changed byte, an added file, a removed file and a wrong key', async () => {
    const dir = runDir();
    await finalizeBundle(dir, { secrets: {}, fullLogs: true, prev: null, key: key() });
    expect(verifyBundle(dir).ok).toBe(true);

    const tampered = tempDir();
    cpSync(dir, tampered, { recursive: true });
    const junit = path.join(tampered, 'junit.xml');
    const bytes = readFileSync(junit);
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    writeFileSync(junit, bytes);
    expect(verifyBundle(tampered).problems).toEqual(['junit.xml: changed (SHA-256 differs)']);

    const added = tempDir();
    cpSync(dir, added, { recursive: true });
    writeFileSync(path.join(added, 'extra.txt'), 'x');
    expect(verifyBundle(added).problems).toEqual(['extra.txt: not in the manifest (added)']);

    const removed = tempDir();
    cpSync(dir, removed, { recursive: true });
    rmSync(path.join(removed, 'index.html'));
    expect(verifyBundle(removed).ok).toBe(false);

    const forged = tempDir();
    cpSync(dir, forged, { recursive: true });
    writeFileSync(
      path.join(forged, 'manifest.sha256'),
      readFileSync(path.join(forged, 'manifest.sha256'), 'utf8').replace(/^./, (c) =>
        c === '0' ? '1' : '0',
      ),
    );
    expect(verifyBundle(forged).problems.some((p) => p.includes('signature does not match'))).toBe(true);

    const other = key().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(verifyBundle(dir, { publicKey: other }).problems).toContain(
      'manifest.sig.json: the signature does not match manifest.sha256',
    );
  });

  test('an unsigned bundle verifies with a warning, or fails when a signature is required', async () => {
    const dir = runDir();
    const result = await finalizeBundle(dir, { secrets: {}, fullLogs: true, prev: null, key: null });
    expect(result.seal.signed).toBe(false);
    const verified = verifyBundle(dir);
    expect(verified.ok).toBe(true);
    expect(verified.warnings.join()).toContain('unsigned');
    expect(verifyBundle(dir, { requireSignature: true }).ok).toBe(false);
  });

  test('bundles chain: the next records the previous manifest hash, verify checks it', async () => {
    const first = runDir();
    await finalizeBundle(first, { secrets: {}, fullLogs: true, prev: null, key: null });
    const second = runDir();
    const prev = { runId: 'first', manifestSha256: manifestHashOf(first) };
    const result = await finalizeBundle(second, { secrets: {}, fullLogs: true, prev, key: null });
    expect(result.report.integrity?.prev).toEqual(prev);
    expect(verifyBundle(second, { prev: first }).ok).toBe(true);
    expect(verifyBundle(second, { prev: prev.manifestSha256 }).ok).toBe(true);
    expect(verifyBundle(second, { prev: 'f'.repeat(64) }).problems[0]).toMatch(/^chain: /);
    expect(verifyBundle(first, { prev: first }).ok).toBe(false);
    expect(verifyChain([first, second]).map((r) => r.ok)).toEqual([true, true]);
    expect(verifyChain([second, first]).map((r) => r.ok)).toEqual([true, false]);
  });

  test('a run secret in the bundle is removed, reported and recorded as a run error', async () => {
    const dir = runDir(`LOG: jwt=${JWT_SECRET} b64=${Buffer.from(JWT_SECRET).toString('base64')}\n`);
    const result = await finalizeBundle(dir, {
      secrets: { jwtSecret: JWT_SECRET },
      fullLogs: true,
      prev: null,
      key: null,
    });
    expect(result.redaction.findings.map((f) => [f.file, f.form])).toEqual([
      ['logs/postgres.log', 'raw'],
      ['logs/postgres.log', 'base64@0'],
    ]);
    expect(result.redaction.findings[0]?.secret).not.toContain(JWT_SECRET);
    expect(result.report.runErrors.join()).toContain('bundle self-redaction');
    const everything = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(path.join(entry.parentPath, entry.name)))
      .map((bytes) => (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString())
      .join('\n');
    expect(everything).not.toContain(JWT_SECRET);
  });

  test('keeps only the tail of logs when every claim passed', async () => {
    const dir = runDir(`${'x'.repeat(100)}\nlast line\n`);
    const result = await finalizeBundle(dir, { secrets: {}, fullLogs: false, prev: null, key: null });
    expect(result.report.logs?.[0]).toMatchObject({ path: 'logs/postgres.log.gz', kept: 'full' });
    const big = runDir(`${'y'.repeat(300 * 1024)}\nthe end\n`);
    const trimmed = await finalizeBundle(big, { secrets: {}, fullLogs: false, prev: null, key: null });
    expect(trimmed.report.logs?.[0]?.kept).toBe('tail');
    const text = gunzipSync(readFileSync(path.join(big, 'logs', 'postgres.log.gz'))).toString();
    expect(text.startsWith('[mintoken-harness: the first ')).toBe(true);
    expect(text.endsWith('the end\n')).toBe(true);
    const perLog = runDir(`${'z'.repeat(300 * 1024)}\n`);
    mkdirSync(path.join(perLog, 'environments', 'key-entropy', 'logs'), { recursive: true });
    writeFileSync(
      path.join(perLog, 'environments', 'key-entropy', 'logs', 'postgres.log'),
      `${'w'.repeat(300 * 1024)}\n`,
    );
    const mixed = await finalizeBundle(perLog, {
      secrets: {},
      fullLogs: (file) => file.startsWith('environments/key-entropy/'),
      prev: null,
      key: null,
    });
    expect(mixed.report.logs?.map((l) => [l.path, l.kept])).toEqual([
      ['environments/key-entropy/logs/postgres.log.gz', 'full'],
      ['logs/postgres.log.gz', 'tail'],
    ]);
  });

  test('re-renders the text formats byte for byte, so a sealed bundle still verifies', async () => {
    const dir = runDir();
    await finalizeBundle(dir, { secrets: {}, fullLogs: true, prev: null, key: null });
    for (const format of ['html', 'junit', 'sarif', 'oscal'] as const) await renderBundle(dir, format);
    expect(verifyBundle(dir).problems).toEqual([]);
    await expect(renderBundle(dir, 'pdf')).rejects.toThrow(/sealed/);
    writeFileSync(path.join(dir, 'junit.xml'), 'older rendering');
    await expect(renderBundle(dir, 'junit')).rejects.toThrow(/sealed: writing junit.xml/);
    const out = tempDir();
    expect((await renderBundle(dir, 'sarif', { out })).map((f) => path.basename(f))).toEqual([
      'results.sarif',
    ]);
  });

  test('the formats carry claims, file and line', async () => {
    const dir = runDir();
    await finalizeBundle(dir, { secrets: {}, fullLogs: true, prev: null, key: null });
    const sarif = JSON.parse(readFileSync(path.join(dir, 'results.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.rules).toHaveLength(CLAIMS_CATALOGUE.length);
    const failing = sarif.runs[0].results.filter((r: { level: string }) => r.level === 'error');
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({
      ruleId: 'AUTH-03',
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: 'suites/auth/x.test.ts' }, region: { startLine: 20 } },
        },
      ],
    });
    const junit = readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    expect(junit).toContain('failures="1"');
    expect(junit).toContain('line="20"');
    expect(junit).toContain('harness self-check');
    const oscal = JSON.parse(readFileSync(path.join(dir, 'assessment-results.oscal.json'), 'utf8'));
    const findings = oscal['assessment-results'].results[0].findings;
    expect(
      findings.find((f: { target: { 'target-id': string } }) => f.target['target-id'] === 'AUTH-03').target
        .status.state,
    ).toBe('not-satisfied');
    expect(
      findings.find((f: { target: { 'target-id': string } }) => f.target['target-id'] === 'AUTH-01').target
        .status.state,
    ).toBe('satisfied');
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).toContain('Tests that name no claim');
    expect(html).toContain('suites/auth/x.test.ts:20');
    expect(html).toContain('href="logs/postgres.log.gz"');
    expect(html).not.toMatch(/https?:\/\/(?!json\.schemastore)/);
  });

  test('fingerprints each provider key shape', () => {
    const { text, count } = fingerprintProviderKeys(
      `a ${PLANT} b sk-ant-api03-${'x'.repeat(40)} c AIza${'y'.repeat(35)}`,
    );
    expect(count).toBe(3);
    expect(text).not.toMatch(/sk-proj-|sk-ant-|AIza/);
  });

  test('prunes all but the newest runs, a mutant batch counting as one', () => {
    const reports = tempDir();
    const stamps = ['2026-01-01T00-00-00-000Z', '2026-01-02T00-00-00-000Z', '2026-01-03T00-00-00-000Z'];
    for (const stamp of stamps) mkdirSync(path.join(reports, `gate-${stamp}`));
    mkdirSync(path.join(reports, `mutants-${stamps[2]}`));
    mkdirSync(path.join(reports, `mutant-x-${stamps[2]}`));
    mkdirSync(path.join(reports, 'latest'));
    mkdirSync(path.join(reports, 'hand-made'));
    expect(pruneReports(reports, 2)).toEqual([`gate-${stamps[0]}`]);
    expect(readdirSync(reports).sort()).toEqual(
      [
        `gate-${stamps[1]}`,
        `gate-${stamps[2]}`,
        'hand-made',
        'latest',
        `mutant-x-${stamps[2]}`,
        `mutants-${stamps[2]}`,
      ].sort(),
    );
    expect(() => pruneReports(reports, 0)).toThrow(/--keep/);
  });

  test('names the mutants that prove a claim can fail from the newest kill matrix, dated', () => {
    const reports = tempDir();
    expect(lastKillMatrix(reports)).toBeNull();
    mkdirSync(path.join(reports, 'mutants-2026-01-01T00-00-00-000Z'));
    const row = (mutant: string, verdict: string, result: string) => ({
      mutant,
      expected: ['AUTH-03'],
      pairs: [{ claim: 'AUTH-03', result }],
      failed: [],
      collateral: [],
      errored: [],
      verdict,
      reportPath: null,
    });
    writeFileSync(
      path.join(reports, 'mutants-2026-01-01T00-00-00-000Z', 'matrix.json'),
      JSON.stringify({ rows: [row('raw-key-on-list', 'killed', 'fail')], notShipped: [] }),
    );
    const matrix = lastKillMatrix(reports);
    expect(matrix?.date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(
      mutantProofOf({ id: 'AUTH-03', mutants: ['raw-key-on-list', 'dashboard-shows-key-again'] }, matrix)
        ?.mutants,
    ).toEqual([
      { mutant: 'raw-key-on-list', verdict: 'killed', result: 'fail' },
      { mutant: 'dashboard-shows-key-again', verdict: 'not run', result: null },
    ]);
    expect(mutantProofOf({ id: 'AUTH-01', mutants: [] }, matrix)).toBeNull();
  });

  test.skipIf(!existsSync(chromiumPath()))(
    'prints report.pdf with Chromium (skipped without Chromium: `bash scripts/setup.sh` installs it)',
    async () => {
      const dir = runDir();
      const result = await finalizeBundle(dir, {
        secrets: {},
        fullLogs: true,
        prev: null,
        key: null,
        pdfBudgetMs: 30_000,
      });
      expect(result.pdf.note).toBeNull();
      expect(readFileSync(path.join(dir, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
      expect(verifyBundle(dir).ok).toBe(true);
      const out = tempDir();
      await renderBundle(dir, 'pdf', { out });
      expect(existsSync(path.join(out, 'report.pdf'))).toBe(true);
    },
    60_000,
  );
});
