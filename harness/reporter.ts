/** vitest reporter that writes the evidence bundle of a suites run: per claim results, every format, redacted, sealed. */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { parse as parseYaml } from 'yaml';
import { finalizeBundle } from './bundle/finalize.ts';
import { MANIFEST_FILE, manifestHashOf, type SigningKey, signingKeyFromEnv } from './bundle/integrity.ts';
import { lastKillMatrix, mutantProofOf } from './bundle/mutant-proof.ts';
import {
  embeddedPostgres,
  harnessInfo,
  sha256OfFile,
  targetVersion,
  toolVersions,
} from './bundle/run-info.ts';
import { claimIdOfTitlePath, RESULT_STATES } from './claims.ts';
import type { EnvironmentInfo } from './environment-info.ts';
import { type Manifest, parseManifest } from './manifest.ts';
import { allSuiteFiles, suiteFilesOfClaims } from './mutants.ts';
import { aggregateClaims, checkResultOf } from './report/aggregate.ts';
import {
  type CheckResult,
  type ClaimResult,
  type EvidenceReport,
  EvidenceReportSchema,
} from './report/evidence-schema.ts';
import { renderEvidenceHtml } from './report/html.ts';

const SUITES_PROJECT = 'suites';
/** A full gate renders report.pdf at its end only when Chromium manages it within this budget. */
const PDF_BUDGET_MS = 3_000;
const EVIDENCE_KINDS = new Set(['evidence', 'positive_control', 'not_assessed']);

/** The run's manifest, or null when it cannot be read (the report says what it can without it). */
function readManifest(manifestPath: string | undefined): Manifest | null {
  if (manifestPath === undefined) return null;
  try {
    return parseManifest(parseYaml(readFileSync(manifestPath, 'utf8')), manifestPath);
  } catch {
    return null;
  }
}

/** How the target was started, for the evidence: process argv, container image, or the external URL. */
function startedAs(manifest: Manifest | null, mutant: string | null) {
  const run = manifest?.run;
  const command = run?.process
    ? mutant && run.process.mutantCommand
      ? [...run.process.mutantCommand, mutant]
      : run.process.command
    : null;
  const image = run?.container
    ? (run.container.image ?? `build ${run.container.build?.context ?? '?'}`)
    : null;
  return { command, image };
}

const NOT_PASSED = new Set(['fail', 'error']);

/**
 * Which logs a bundle keeps whole: the shared target's and Postgres's when any claim failed or errored (or the
 * run had errors); a suite's own environment's (`environments/<label>/`) when a claim with a check in the suite
 * file that names that label did not pass.
 */
function fullLogsOf(report: EvidenceReport): (file: string) => boolean {
  const anyNotPassed =
    report.runErrors.length > 0 || report.claims.some((c) => c.ran && NOT_PASSED.has(c.result));
  const notPassedFiles = new Set(
    report.claims
      .filter((c) => c.ran && NOT_PASSED.has(c.result))
      .flatMap((c) => c.checks.map((check) => check.file)),
  );
  return (file) => {
    const label = /^environments\/([^/]+)\//.exec(file)?.[1];
    if (label === undefined || report.runErrors.length > 0) return anyNotPassed;
    return [...notPassedFiles].some((suite) => {
      try {
        return readFileSync(path.resolve(suite), 'utf8').includes(`'${label}'`);
      } catch {
        return true;
      }
    });
  };
}

/** A path inside the checkout as the repository names it (portable across machines); others stay absolute. */
function repoRelative(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Environment variables whose values are backend secrets the bundle must never hold. */
const SECRET_ENV = /SECRET|PEPPER|PASSWORD/i;

/** The run's backend secrets by name: what the bundle's self-redaction looks for. */
function runSecrets(environment: EnvironmentInfo | undefined): Record<string, string> {
  if (!environment) return {};
  const secrets: Record<string, string> = { ...environment.secrets };
  for (const [name, value] of Object.entries(environment.targetEnv))
    if (SECRET_ENV.test(name) && value.length >= 8) secrets[`env ${name}`] = value;
  return secrets;
}

/** The bundle this one chains to: HARNESS_PREV_BUNDLE (a bundle, its manifest or a hash), else reports/latest. */
function previousBundle(chainToLatest: boolean): { runId: string | null; manifestSha256: string } | null {
  const given = process.env.HARNESS_PREV_BUNDLE?.trim();
  const candidate = given || (chainToLatest ? path.resolve('reports', 'latest') : '');
  if (!candidate) return null;
  if (/^[0-9a-f]{64}$/.test(candidate)) return { runId: null, manifestSha256: candidate };
  const dir = candidate.endsWith(MANIFEST_FILE) ? path.dirname(candidate) : candidate;
  if (!existsSync(path.join(dir, MANIFEST_FILE))) {
    if (given)
      throw new Error(`HARNESS_PREV_BUNDLE=${given} holds no ${MANIFEST_FILE}: give a sealed bundle`);
    return null;
  }
  let runId: string | null = null;
  try {
    runId =
      (JSON.parse(readFileSync(path.join(dir, 'evidence.json'), 'utf8')) as { runId?: string }).runId ?? null;
  } catch {
    // the hash is what chains; the run id is a convenience
  }
  return { runId, manifestSha256: manifestHashOf(dir) };
}

/** Where a run's report lands: reports/<runId>/ (and, for a full gate, a copy in reports/latest/). */
export function reportDirOf(runId: string): string {
  return path.resolve('reports', runId);
}

function titlePath(test: TestCase): string[] {
  const titles = [test.name];
  let parent = test.parent;
  while (parent.type === 'suite') {
    titles.unshift(parent.name);
    parent = parent.parent;
  }
  return titles;
}

function parseData(body: unknown): unknown {
  if (typeof body !== 'string') return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

const sourceLines = new Map<string, string[]>();

/**
 * Where a test is when vitest recorded no location (its stack-trace limit misses tests made through
 * `test.extend` and `test.for`): the line naming the test, else the line of its claim's describe.
 */
function locateInSource(
  file: string,
  name: string,
  claimId: string | null,
): { line: number; column: number } | null {
  let lines = sourceLines.get(file);
  if (!lines) {
    try {
      lines = readFileSync(path.resolve(file), 'utf8').split('\n');
    } catch {
      lines = [];
    }
    sourceLines.set(file, lines);
  }
  const needles = [`'${name}'`, `"${name}"`, `\`${name}\``, ...(claimId ? [`claimTitle('${claimId}')`] : [])];
  for (const needle of needles) {
    const index = lines.findIndex((line) => line.includes(needle));
    if (index !== -1) return { line: index + 1, column: (lines[index]?.indexOf(needle) ?? 0) + 1 };
  }
  return null;
}

function checkOf(test: TestCase): CheckResult {
  const location =
    test.location ??
    locateInSource(test.module.relativeModuleId, test.name, claimIdOfTitlePath(titlePath(test)));
  const result = test.result();
  const annotations = test.annotations();
  const evidence = annotations.map((a) => ({
    kind: (EVIDENCE_KINDS.has(a.type) ? a.type : 'note') as CheckResult['evidence'][number]['kind'],
    label: a.message,
    data: parseData(a.attachment?.body),
  }));
  const errors = result.state === 'failed' ? result.errors : [];
  // A NotAssessed thrown by a fixture or a check carries its reason in the message: keep it as evidence.
  for (const error of errors) {
    if (error.name === 'NotAssessed')
      evidence.push({ kind: 'not_assessed', label: error.message ?? 'not assessed', data: null });
  }
  const notAssessed = annotations.some((a) => a.type === 'not_assessed');
  return {
    title: titlePath(test).join(' › '),
    file: test.module.relativeModuleId,
    line: location?.line ?? null,
    column: location?.column ?? null,
    result: checkResultOf(
      { state: result.state, errorNames: errors.map((e) => e.name ?? 'Error') },
      notAssessed,
    ),
    durationMs: test.diagnostic()?.duration ?? 0,
    messages: [
      ...errors.map((e) => e.message ?? String(e)),
      ...(result.state === 'skipped' && result.note ? [result.note] : []),
    ],
    evidence,
  };
}

interface PendingBundle {
  dir: string;
  environment: EnvironmentInfo | undefined;
  report: EvidenceReport;
  /** a full gate on a real target: chains to and replaces reports/latest, renders the PDF */
  fullGate: boolean;
}

export default class EvidenceReporter implements Reporter {
  #runsSuites = false;
  #startedAt = new Date();
  #pending: PendingBundle | null = null;

  onInit(vitest: Vitest): void {
    this.#runsSuites = vitest.projects.some((project) => project.name === SUITES_PROJECT);
    // The bundle is finalised after globalSetup's teardown: the target and Postgres have stopped, their logs are whole.
    vitest.onClose(() => this.#finalize());
  }

  onTestRunStart(): void {
    this.#startedAt = new Date();
  }

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): Promise<void> {
    const modules = testModules.filter((m) => m.project.name === SUITES_PROJECT);
    // A unit-only run writes no report; a suites run whose environment never started writes one of errors.
    if (modules.length === 0 && !this.#runsSuites) return;
    const runId = process.env.HARNESS_RUN_ID ?? 'unnamed-run';
    const provided = modules[0]?.project.getProvidedContext() as
      | { environment?: EnvironmentInfo }
      | undefined;
    const environment = provided?.environment;
    const byClaim = new Map<string, CheckResult[]>();
    const unclaimed: CheckResult[] = [];
    const tests = { passed: 0, failed: 0, skipped: 0 };
    const brokenFamilies = new Map<string, string>();
    const runErrors = unhandledErrors.map((e) => `${e.name ?? 'Error'}: ${e.message ?? ''}`);
    for (const module of modules) {
      for (const error of module.errors()) {
        runErrors.push(`${module.relativeModuleId}: ${error.message}`);
        // A suite file that failed to load ran none of its checks: its family's claims are `error`, not unchecked.
        const family = /^suites\/([a-z]+)\//.exec(module.relativeModuleId)?.[1];
        if (family) brokenFamilies.set(family, `${module.relativeModuleId} failed to load: ${error.message}`);
      }
      for (const test of module.children.allTests()) {
        const check = checkOf(test);
        const state = test.result().state;
        if (state === 'passed') tests.passed += 1;
        else if (state === 'failed') tests.failed += 1;
        else tests.skipped += 1;
        const claimId = claimIdOfTitlePath(titlePath(test));
        if (claimId) byClaim.set(claimId, [...(byClaim.get(claimId) ?? []), check]);
        else unclaimed.push(check);
      }
    }
    const nothingRan = tests.passed + tests.failed + tests.skipped === 0 && runErrors.length > 0;
    const ranFiles = new Set(modules.map((m) => m.relativeModuleId));
    const complete = allSuiteFiles().every((file) => ranFiles.has(file));
    const manifest = readManifest(environment?.manifestPath);
    const accepted = new Map((manifest?.acceptedNotAssessed ?? []).map((a) => [a.claim, a.reason]));
    const matrix = lastKillMatrix();
    const claims = aggregateClaims(byClaim).map((base): ClaimResult => {
      const claim = {
        ...base,
        positiveControls: [
          ...new Set(
            base.checks.flatMap((check) =>
              check.evidence.filter((e) => e.kind === 'positive_control').map((e) => e.label),
            ),
          ),
        ],
        mutantProof: mutantProofOf(base, matrix),
      };
      if (nothingRan) {
        return { ...claim, result: 'error' as const, reason: `no check ran: ${runErrors[0]}` };
      }
      const broken = brokenFamilies.get(claim.family);
      if (broken && claim.result === 'not_assessed')
        return { ...claim, result: 'error' as const, reason: broken };
      // A selection (a mutant's scope, file arguments) that left out every file of a claim did not run it.
      if (
        claim.checks.length === 0 &&
        !complete &&
        !suiteFilesOfClaims([claim.id]).some((file) => ranFiles.has(file))
      ) {
        return { ...claim, ran: false, reason: 'not run in this selection' };
      }
      const acceptance = accepted.get(claim.id);
      return acceptance !== undefined && claim.result === 'not_assessed'
        ? { ...claim, accepted: acceptance }
        : claim;
    });
    const summary = Object.fromEntries(
      RESULT_STATES.map((s) => [s, claims.filter((c) => c.result === s).length]),
    );
    const dir = reportDirOf(runId);
    mkdirSync(dir, { recursive: true });
    const endedAt = new Date();
    const url = environment?.replicas[0]?.httpsUrl ?? null;
    // The target is still up (globalSetup's teardown comes after this hook): ask it its version.
    const version = url && environment ? await targetVersion(url, environment.caPem) : null;
    const report: EvidenceReport = EvidenceReportSchema.parse({
      schemaVersion: 2,
      runId,
      generatedAt: endedAt.toISOString(),
      harness: harnessInfo(),
      tools: toolVersions({ postgres: await embeddedPostgres() }),
      target: environment
        ? {
            name: environment.targetName,
            mode: environment.mode,
            manifestPath: repoRelative(environment.manifestPath),
            manifestSha256: sha256OfFile(environment.manifestPath),
            mutant: environment.mutant,
            ...startedAs(manifest, environment.mutant),
            url,
            version: version?.version ?? null,
            versionError: version?.error ?? null,
            ...(environment.container
              ? { image: environment.container.image, imageDigest: environment.container.imageDigest }
              : {}),
          }
        : null,
      startedAt: this.#startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - this.#startedAt.getTime(),
      seed: process.env.HARNESS_SEED?.trim() || null,
      summary,
      selection: { complete, files: [...ranFiles].sort() },
      tests,
      claims,
      unclaimed,
      runErrors,
      artifacts: [],
    });
    // Written now so a run that dies before close still leaves its evidence; #finalize rewrites both.
    writeFileSync(path.join(dir, 'evidence.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(dir, 'evidence.html'), renderEvidenceHtml(report));
    this.#pending = { dir, environment, report, fullGate: complete && !environment?.mutant };
    const line = RESULT_STATES.map((s) => `${summary[s]} ${s}`).join(', ');
    process.stdout.write(`\nevidence: ${path.relative(process.cwd(), dir)}/index.html — claims: ${line}\n`);
  }

  /** Redacts, compresses, renders every format and seals the bundle; a secret found in it fails the run. */
  async #finalize(): Promise<void> {
    const pending = this.#pending;
    this.#pending = null;
    if (!pending) return;
    const { dir, environment, report, fullGate } = pending;
    const rel = path.relative(process.cwd(), dir);
    const startedAt = performance.now();
    try {
      let key: SigningKey | null = null;
      try {
        key = signingKeyFromEnv();
      } catch (error) {
        process.stderr.write(
          `\nevidence: NOT SIGNED: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 1;
      }
      const result = await finalizeBundle(dir, {
        secrets: runSecrets(environment),
        fullLogs: fullLogsOf(report),
        prev: previousBundle(fullGate),
        key,
        pdfBudgetMs: fullGate ? PDF_BUDGET_MS : null,
      });
      if (result.redaction.findings.length > 0) {
        process.exitCode = 1;
        process.stderr.write(
          `\nevidence: FAILED SELF-REDACTION: the run's secrets were in ${rel} (now replaced by fingerprints):\n${result.redaction.findings.map((f) => `  ${f.secret} in ${f.file} (${f.form}, ×${f.count})`).join('\n')}\n`,
        );
      }
      if (result.pdf.note) process.stderr.write(`evidence: ${result.pdf.note}\n`);
      if (!result.seal.signed && !key)
        process.stderr.write(
          'evidence: bundle NOT signed (set HARNESS_SIGNING_KEY_FILE to an Ed25519 PEM key to sign it)\n',
        );
      // reports/latest is the last full gate: a selection or a mutant's run never replaces it.
      if (fullGate) {
        const latest = path.resolve('reports', 'latest');
        rmSync(latest, { recursive: true, force: true });
        cpSync(dir, latest, { recursive: true });
      }
      process.stdout.write(
        `evidence: bundle ${rel} sealed in ${Math.round(performance.now() - startedAt)} ms (${result.seal.files} files, manifest sha256 ${result.seal.manifestSha256.slice(0, 16)}…${result.seal.signed ? ', signed' : ''}${result.pdf.path ? ', with report.pdf' : ''})\n`,
      );
    } catch (error) {
      process.exitCode = 1;
      process.stderr.write(
        `\nevidence: could not finalise the bundle ${rel}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    }
  }
}
