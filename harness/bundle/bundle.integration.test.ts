// End to end: `mintoken-harness run` writes a signed bundle that verifies, fails on a tampered copy, and renders (HTML screenshot, PDF) with the JSON's numbers.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { chromiumPath } from '../../fixtures/browser.ts';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';

const runId = `bundle-e2e-${new Date().toISOString().replace(/[:.]/g, '-')}`;
const bundle = path.resolve('reports', runId);
const scratch = mkdtempSync(path.join(tmpdir(), 'bundle-e2e-'));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keyFile = path.join(scratch, 'signing.pem');
const publicKeyFile = path.join(scratch, 'signing.pub.pem');
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
const cli = path.resolve('harness/cli/main.ts');

function harness(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HARNESS_REPLICAS: '1', ...env },
    timeout: 300_000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('evidence bundle', () => {
  test('run writes a signed bundle that verifies, and a changed byte fails verify', () => {
    const run = harness(['run', '--claims', 'TRANSPORT-03,AUTH-07', '--seed', '42'], {
      HARNESS_RUN_ID: runId,
      HARNESS_SIGNING_KEY_FILE: keyFile,
    });
    expect(run.status, run.output).toBe(0);
    for (const file of [
      'evidence.json',
      'index.html',
      'junit.xml',
      'results.sarif',
      'manifest.sha256',
      'manifest.sig.json',
    ]) {
      expect(existsSync(path.join(bundle, file)), file).toBe(true);
    }
    const report = EvidenceReportSchema.parse(
      JSON.parse(readFileSync(path.join(bundle, 'evidence.json'), 'utf8')),
    );
    expect(report.seed).toBe('42');
    const verified = harness(['verify', bundle, '--public-key', publicKeyFile, '--require-signature']);
    expect(verified.status, verified.output).toBe(0);
    const tampered = path.join(scratch, 'tampered');
    cpSync(bundle, tampered, { recursive: true });
    appendFileSync(path.join(tampered, 'junit.xml'), ' ');
    const rejected = harness(['verify', tampered, '--public-key', publicKeyFile]);
    expect(rejected.status, rejected.output).toBe(1);
    expect(rejected.output).toContain('junit.xml');
  });

  test('the HTML shows the numbers of the JSON (screenshot kept), and the PDF renders', async () => {
    const report = EvidenceReportSchema.parse(
      JSON.parse(readFileSync(path.join(bundle, 'evidence.json'), 'utf8')),
    );
    const browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--no-sandbox', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(pathToFileURL(path.join(bundle, 'index.html')).href);
      // What a reader sees in the summary line: each result's badge followed by its count.
      const summaryText = (await page.locator('p', { hasText: 'Claims:' }).first().innerText()).replace(
        /\s+/g,
        ' ',
      );
      const shown = Object.fromEntries(
        [...summaryText.matchAll(/(pass|fail|error|not_assessed|not_applicable) (\d+)/g)].map((m) => [
          m[1],
          Number(m[2]),
        ]),
      );
      expect(shown).toEqual(report.summary);
      await page.screenshot({ path: path.join(scratch, 'index.png'), fullPage: true });
      expect(readFileSync(path.join(scratch, 'index.png')).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      await browser.close();
    }
    const pdfDir = path.join(scratch, 'pdf');
    const rendered = harness(['report', bundle, '--format', 'pdf', '--out', pdfDir]);
    expect(rendered.status, rendered.output).toBe(0);
    const pdf = readFileSync(path.join(pdfDir, 'report.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  });
});
