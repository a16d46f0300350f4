/** vitest reporter that writes the evidence report (JSON + HTML) of a suites run, per claim, with hashed artifacts. */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SerializedError } from 'vitest';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { parse as parseYaml } from 'yaml';
import { claimIdOfTitlePath, RESULT_STATES } from './claims.ts';
import type { EnvironmentInfo } from './environment-info.ts';
import { parseManifest } from './manifest.ts';
import { suiteFilesOfClaims } from './mutants.ts';
import { aggregateClaims, checkResultOf } from './report/aggregate.ts';
import { type CheckResult, type EvidenceReport, EvidenceReportSchema } from './report/evidence-schema.ts';
import { renderEvidenceHtml } from './report/html.ts';

const SUITES_PROJECT = 'suites';
const EVIDENCE_KINDS = new Set(['evidence', 'positive_control', 'not_assessed']);

/** Every suite file of this repository, relative to the cwd: what a full gate runs. */
function allSuiteFiles(): string[] {
  return readdirSync(path.resolve('suites'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join('suites', file))
    .sort();
}

/** claim → the reason its owner accepts it as not assessed, from the run's manifest (never throws). */
function acceptedNotAssessed(manifestPath: string | undefined): Map<string, string> {
  if (manifestPath === undefined) return new Map();
  try {
    const manifest = parseManifest(parseYaml(readFileSync(manifestPath, 'utf8')), manifestPath);
    return new Map((manifest.acceptedNotAssessed ?? []).map((a) => [a.claim, a.reason]));
  } catch {
    return new Map();
  }
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

function checkOf(test: TestCase): CheckResult {
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

function hashArtifacts(dir: string): EvidenceReport['artifacts'] {
  const artifacts: EvidenceReport['artifacts'] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.startsWith('evidence.')) {
        const bytes = readFileSync(full);
        artifacts.push({
          path: path.relative(process.cwd(), full),
          bytes: statSync(full).size,
          sha256: createHash('sha256').update(bytes).digest('hex'),
        });
      }
    }
  };
  walk(dir);
  return artifacts;
}

export default class EvidenceReporter implements Reporter {
  #runsSuites = false;

  onInit(vitest: Vitest): void {
    this.#runsSuites = vitest.projects.some((project) => project.name === SUITES_PROJECT);
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
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
    const accepted = acceptedNotAssessed(environment?.manifestPath);
    const claims = aggregateClaims(byClaim).map((claim) => {
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
    const report: EvidenceReport = EvidenceReportSchema.parse({
      schemaVersion: 1,
      runId,
      generatedAt: new Date().toISOString(),
      target: environment
        ? {
            name: environment.targetName,
            mode: environment.mode,
            manifestPath: environment.manifestPath,
            mutant: environment.mutant,
            ...(environment.container
              ? { image: environment.container.image, imageDigest: environment.container.imageDigest }
              : {}),
          }
        : null,
      summary,
      selection: { complete, files: [...ranFiles].sort() },
      tests,
      claims,
      unclaimed,
      runErrors,
      artifacts: hashArtifacts(dir),
    });
    writeFileSync(path.join(dir, 'evidence.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(dir, 'evidence.html'), renderEvidenceHtml(report));
    // reports/latest is the last full gate: a selection or a mutant's run never replaces it.
    if (complete && !environment?.mutant) {
      const latest = path.resolve('reports', 'latest');
      mkdirSync(latest, { recursive: true });
      cpSync(path.join(dir, 'evidence.json'), path.join(latest, 'evidence.json'));
      cpSync(path.join(dir, 'evidence.html'), path.join(latest, 'evidence.html'));
    }
    const line = RESULT_STATES.map((s) => `${summary[s]} ${s}`).join(', ');
    process.stdout.write(
      `\nevidence: ${path.relative(process.cwd(), dir)}/evidence.html — claims: ${line}\n`,
    );
  }
}
