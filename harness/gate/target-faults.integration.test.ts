// A target that crashes mid-run, hangs or answers garbage: the claims it touched end `error` with a reason, never `pass`, and the evidence is written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { processesOfRun } from '../reaper.ts';
import { EvidenceReportSchema } from '../report/evidence-schema.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Claims whose checks start with requests to the target (sign-up, keys, bad credentials). */
const CLAIMS = ['AUTH-05', 'AUTH-03'];
const manifestDir = mkdtempSync(path.join(tmpdir(), 'target-faults-'));
afterAll(() => rmSync(manifestDir, { recursive: true, force: true }));

/** The stub target (harness/embedded/testing/stub-target.ts) with STUB_FAULT: ready on /health, broken after. */
function stubManifest(fault: string): string {
  const file = path.join(manifestDir, `stub-${fault}.yaml`);
  writeFileSync(
    file,
    [
      `name: stub-${fault}`,
      'run:',
      '  process:',
      '    command: [node, harness/embedded/testing/stub-target.ts]',
      `    cwd: ${JSON.stringify(REPO_ROOT)}`,
      `    env: { STUB_FAULT: ${fault} }`,
      'database:',
      '  tenantRole: authenticated',
      '  tenantContext: supabase-jwt-claims',
      'accounts: signup',
      'logs: capture',
      '',
    ].join('\n'),
  );
  return file;
}

async function gateAgainst(
  fault: string,
): Promise<{ runId: string; exitCode: number | null; output: string }> {
  const runId = `target-fault-${fault}-${Date.now()}`;
  const child = spawn(
    process.execPath,
    // a short test timeout: a hanging target costs seconds per check, not the suites' minute
    [path.join(REPO_ROOT, 'harness/cli/gate.ts'), '--claims', CLAIMS.join(','), '--testTimeout=1500'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        HARNESS_RUN_ID: runId,
        HARNESS_TARGET: stubManifest(fault),
        HARNESS_REPLICAS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  if (process.env.TARGET_FAULTS_VERBOSE) process.stderr.write(output);
  return { runId, exitCode, output };
}

test.for(['crash', 'hang', 'garbage'])(
  'a target that %s mid-run turns the claims it touched into error with a reason, and the evidence is written',
  async (fault) => {
    const { runId, exitCode, output } = await gateAgainst(fault);
    try {
      const reportPath = path.join(REPO_ROOT, 'reports', runId, 'evidence.json');
      expect(existsSync(reportPath), `no evidence report at ${reportPath}\n${output.slice(-3000)}`).toBe(
        true,
      );
      const report = EvidenceReportSchema.parse(JSON.parse(readFileSync(reportPath, 'utf8')));
      const touched = report.claims.filter((claim) => CLAIMS.includes(claim.id));
      expect(touched.map((claim) => claim.id).sort()).toEqual([...CLAIMS].sort());
      for (const claim of touched) {
        expect(claim.result, `${claim.id} on a target that ${fault}s`).toBe('error');
        const errored = claim.checks.filter((c) => c.result === 'error');
        expect(errored.length, claim.id).toBeGreaterThan(0);
        for (const check of errored)
          expect(
            check.messages.join('').trim(),
            `${claim.id} ${check.title}: an error names its reason`,
          ).not.toBe('');
      }
      expect(report.claims.filter((claim) => claim.result === 'pass').map((c) => c.id)).toEqual([]);
      expect(exitCode, output.slice(-2000)).toBe(3); // undecided: neither pass nor a finding
      // nothing of the run is left behind, whatever the target did
      expect(processesOfRun(runId)).toEqual([]);
      expect(readdirSync(tmpdir()).filter((entry) => entry.includes(runId))).toEqual([]);
    } finally {
      rmSync(path.join(REPO_ROOT, 'reports', runId), { recursive: true, force: true });
    }
  },
);
